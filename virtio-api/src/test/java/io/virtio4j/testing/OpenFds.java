package io.virtio4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Test helper: what /proc/self/fd says about this process's open file descriptors. */
public final class OpenFds {
    private OpenFds() {
    }

    /** How many fds are open now (the directory handle used to list them counts in every call alike). */
    public static long count() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code fd} is open, and if so what it refers to (e.g. "anon_inode:[eventfd]"), else null. */
    public static String target(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return null;
        }
    }
}
