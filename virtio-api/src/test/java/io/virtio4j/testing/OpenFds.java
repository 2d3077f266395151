package io.virtio4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

    /**
     * The fds open now, each as "number -> target". Compare with {@link Snapshot#openedSince} rather
     * than by {@link #count}: a count also moves when something else in the JVM closes an fd meanwhile
     * (a session thread of an earlier test winding down, a Cleaner closing a leaked
     * {@code OwnedFd}), which made an exact count fail a test that leaked nothing.
     */
    public static Snapshot snapshot() {
        return new Snapshot(entries());
    }

    private static Set<String> entries() {
        Set<String> now = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    // The listing's own directory handle: its number moves with whatever else is open.
                    if (!(target.startsWith("/proc/") && target.endsWith("/fd"))) {
                        now.add(p.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // Closed between the listing and the read (the listing's own handle among them).
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return now;
    }

    /** The fds open at one moment; what is open later and was not then is what the code under test kept. */
    public static final class Snapshot {
        private final Set<String> before;

        private Snapshot(Set<String> before) {
            this.before = before;
        }

        /** The fds open now that were not open (to the same target) when the snapshot was taken. */
        public List<String> openedSince() {
            List<String> added = new ArrayList<>();
            for (String e : entries()) {
                if (!before.contains(e)) {
                    added.add(e);
                }
            }
            return added;
        }

        /**
         * Waits up to {@code timeout} (threads that close fds as they end need a moment) until no fd
         * opened since the snapshot is open, else fails naming {@code what} and the fds left.
         */
        public void assertNoneOpenedSince(String what, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<String> left = openedSince();
            while (!left.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
                left = openedSince();
            }
            if (!left.isEmpty()) {
                throw new AssertionError(what + ": " + left.size() + " fd(s) opened since the snapshot still open: " + left);
            }
        }
    }
}
