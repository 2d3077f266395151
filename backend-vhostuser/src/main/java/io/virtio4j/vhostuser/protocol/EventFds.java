package io.virtio4j.vhostuser.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells an eventfd from any other fd a peer sent. Kick, call and error fds must be eventfds: a pipe,
 * socket or file in their place can block a write or a read forever or mean something else entirely.
 */
final class EventFds {
    /** What /proc/self/fd/N links to for an eventfd (an anonymous inode). */
    private static final String EVENTFD_LINK = "anon_inode:[eventfd]";

    private EventFds() {
    }

    /** Whether {@code fd} (of this process) is an eventfd. Control path only: it allocates. */
    static boolean isEventfd(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().equals(EVENTFD_LINK);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
