package io.virtio4j.ovs.vxlan;

import java.time.Duration;
import java.util.List;
import io.virtio4j.testing.OpenFds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.model.Ipv4;

import org.junit.jupiter.api.Test;

/**
 * {@link UnderlaySockets} owns its nine sockets: a second close closes nothing (not even an fd that
 * reuses one of their numbers), and a setup that fails half-way closes exactly what it opened.
 */
class UnderlaySocketsTest {
    private final Platform platform = Platform.linux();
    private final int local = Ipv4.parse("127." + (ProcessHandle.current().pid() % 200 + 20) + "."
            + (int) (Math.random() * 250) + ".1");

    @Test
    void aSecondCloseClosesNothingEvenAReusedFdNumber() throws Exception {
        OpenFds.Snapshot before = OpenFds.snapshot();
        UnderlaySockets sockets = new UnderlaySockets(platform, local, 0);
        int receive = sockets.receiveFd();
        List<String> opened = before.openedSince();
        assertEquals(1 + UnderlaySockets.SOURCES, opened.size(), "a receive and 8 source sockets: " + opened);
        sockets.close();
        before.assertNoneOpenedSince("every socket closed", Duration.ofSeconds(5));
        // Linux hands out the lowest free number: the next fd takes the receive socket's (or a lower one).
        int other = platform.eventfd(0, LinuxConstants.EFD_CLOEXEC);
        try {
            sockets.close();
            assertEquals("anon_inode:[eventfd]", Files.readSymbolicLink(Path.of("/proc/self/fd/" + other)).toString(),
                    "fd " + other + " (the socket was fd " + receive + ") is still open");
        } finally {
            platform.close(other);
        }
    }

    @Test
    void aFailedSetupClosesWhatItOpened() throws Exception {
        UnderlaySockets taken = new UnderlaySockets(platform, local, 0);
        try {
            OpenFds.Snapshot before = OpenFds.snapshot();
            NativeException e = assertThrows(NativeException.class,
                    () -> new UnderlaySockets(platform, local, taken.receivePort()));
            assertEquals("bind", e.call());
            before.assertNoneOpenedSince("the socket that could not bind is closed", Duration.ofSeconds(5));
        } finally {
            taken.close();
        }
    }
}
