package io.virtio4j.samples.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What another process holds, from /proc: its open fds by kind, and the mappings a vhost-user
 * session can have made. A kind is what the fd's link names without the inode (socket, pipe,
 * anon_inode:[eventfd], memfd, or the file's path), so two starts of the same program compare
 * equal although the inode numbers differ.
 */
public record ProcessResources(Map<String, Integer> fds, long peerMappings) {

    /** How long a reading may take to settle: a ctl connection closing, a session tearing down. */
    public static final Duration SETTLE = Duration.ofSeconds(5);

    /**
     * The process's resources once two readings 50 ms apart agree: a ctl connection the process is
     * still closing, or a session still tearing down, is not what it holds.
     */
    public static ProcessResources settled(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        ProcessResources last = of(pid);
        while (true) {
            Thread.sleep(50);
            ProcessResources now = of(pid);
            if (now.equals(last) || System.nanoTime() > deadline) {
                return now;
            }
            last = now;
        }
    }

    /** Waits until process {@code pid} holds {@code expected}; fails with {@code what} and {@code context} after {@link #SETTLE}. */
    public static void awaitEqual(ProcessResources expected, long pid, String what, Supplier<String> context) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        ProcessResources now = of(pid);
        while (!now.equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " (still different after " + SETTLE + "): expected " + expected + " but was " + now
                        + "\n" + context.get());
            }
            Thread.sleep(20);
            now = of(pid);
        }
    }

    public static ProcessResources of(long pid) {
        Map<String, Integer> kinds = new TreeMap<>();
        Path fdDir = Path.of("/proc", Long.toString(pid), "fd");
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : fds) {
                try {
                    kinds.merge(kind(Files.readSymbolicLink(fd).toString()), 1, Integer::sum);
                } catch (NoSuchFileException closedMeanwhile) {
                    // The fd closed between the listing and the read: not held.
                }
            }
            return new ProcessResources(kinds, peerMappings(pid));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + fdDir, e);
        }
    }

    /**
     * Mappings of files a peer sent (memfds, hugetlbfs files, DPDK's rtemap files): a session maps
     * nothing else, and counting only these keeps the JVM's own growth (thread stacks, malloc
     * arenas, code cache) out of the comparison, which can then be exact.
     */
    public static long peerMappings(long pid) throws IOException {
        try (var lines = Files.lines(Path.of("/proc", Long.toString(pid), "maps"))) {
            return lines.filter(l -> l.contains("/memfd:") || l.contains("hugepages") || l.contains("rtemap")).count();
        }
    }

    private static String kind(String target) {
        if (target.startsWith("socket:")) {
            return "socket";
        }
        if (target.startsWith("pipe:")) {
            return "pipe";
        }
        if (target.startsWith("/memfd:")) {
            return "memfd";
        }
        return target;
    }

    public int totalFds() {
        return fds.values().stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public String toString() {
        return totalFds() + " fds " + fds + ", " + peerMappings + " peer mappings";
    }
}
