package io.virtio4j.ovs;

import java.nio.file.Path;
import java.time.Duration;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.testing.SwitchedGuests;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A front-end whose RX call eventfd blocks (O_NONBLOCK cleared on the shared file description, the
 * counter filled to 0xfffffffffffffffe) loses its own session; the PMD, which never writes a call
 * fd itself, goes on forwarding between the other guests it serves.
 */
class BlockingCallFdSwitchTest {
    @TempDir
    Path dir;

    @Test
    void aGuestWhoseCallFdBlocksLosesItsSessionAndTheBystandersStillForward() throws Exception {
        try (VictimAndBystanders stage = new VictimAndBystanders(dir, new GuestNic(), 200)) {
            // The victim makes its RX call eventfd block: drained, filled, O_NONBLOCK cleared.
            int call = stage.victim().callFd(0);
            Platform linux = Platform.linux();
            int flags = linux.fcntl(call, LinuxConstants.F_GETFL, 0);
            linux.fcntl(call, LinuxConstants.F_SETFL, flags | LinuxConstants.O_NONBLOCK);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
                linux.read(call, value, 8);
                value.set(ValueLayout.JAVA_LONG, 0, 0xFFFF_FFFF_FFFF_FFFEL);
                assertEquals(8, linux.write(call, value, 8));
            }
            linux.fcntl(call, LinuxConstants.F_SETFL, flags & ~LinuxConstants.O_NONBLOCK);

            // Long enough for the stuck write to count as stalled (2 s) while the PMD keeps forwarding.
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            int round = 0;
            while (System.nanoTime() < until) {
                SwitchedGuests.pump(stage.bystanders(), 0, VhostUserSwitchTest.frames(50, 200_000 + 50 * round++), 1,
                        (g, f) -> { }, Duration.ofSeconds(5));
            }
            stage.assertBystandersForward(VhostUserSwitchTest.frames(2000, 50_000));
            stage.assertVictimDropped();
        }
    }
}
