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
        // Enough warm-up frames that the PMD's ring code is compiled before the fault: a SIGBUS
        // taken in the interpreter's native Unsafe path can crash HotSpot itself (seen once here,
        // in Assembler::locate_operand), which is no outcome this test can assert on.
        try (VictimAndBystanders stage = new VictimAndBystanders(dir, GuestNic.unsealed(), 5000)) {
            // The victim shrinks its memory to nothing; the PMD's next touch of it faults.
            stage.victim().shrinkMemory();

            stage.assertBystandersForward(VhostUserSwitchTest.frames(2000, 50_000));
            stage.assertVictimDropped();
            assertTrue(stage.virtualSwitch().pmdErrors() >= 1, "the fault was not counted");
        }
    }
}
