package io.virtio4j.ovs.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Checks on a control socket's path that both ends make before touching it. */
final class ControlSocketPath {
    /** sun_path is 108 bytes including the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private ControlSocketPath() {
    }

    /** Fails unless {@code path} fits in sun_path. */
    static void checkLength(Path path) {
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PATH_BYTES) {
            throw new ControlException("control socket path " + path + " is " + bytes + " bytes; Unix sockets allow at most "
                    + MAX_PATH_BYTES + ": choose a shorter path");
        }
    }

    /** Whether {@code path} is a Unix socket (not following links: a link is not ours to trust). */
    static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
