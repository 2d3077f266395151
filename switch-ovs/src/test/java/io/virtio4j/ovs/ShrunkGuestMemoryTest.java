package io.virtio4j.ovs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import io.virtio4j.vhostuser.testing.GuestNic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A front-end that truncates its guest memory under running rings (the next access faults and the
 * JVM raises InternalError on the PMD thread) loses its own session; the PMD goes on forwarding
 * between the other guests it serves.
 */
class ShrunkGuestMemoryTest {
    @TempDir
    Path dir;

    @Test
    void aGuestShrinkingItsMemoryLosesItsSessionAndTheBystandersStillForward() throws Exception {
        // Only a few frames first, so the fault is likely taken while the ring code still runs
        // interpreted: a 16-bit ordered store there used to abort HotSpot (OrderedStores says why).
        try (VictimAndBystanders stage = new VictimAndBystanders(dir, GuestNic.unsealed(), 10)) {
            // The victim shrinks its memory to nothing; the PMD's next touch of it faults.
            stage.victim().shrinkMemory();

            stage.assertBystandersForward(VhostUserSwitchTest.frames(2000, 50_000));
            stage.assertVictimDropped();
            assertTrue(stage.virtualSwitch().pmdErrors() >= 1, "the fault was not counted");
        }
    }
}
