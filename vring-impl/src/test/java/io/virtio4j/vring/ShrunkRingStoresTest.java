package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13's known hole: a peer truncating guest memory before the ring code is compiled used to
 * abort the JVM (SIGBUS in an interpreted 16-bit release store). Every ordered ring store is run
 * here in an {@code -Xint} JVM over a file truncated under its mapping: each must end in the
 * {@code InternalError} the switch already contains, and the JVM must exit normally.
 */
class ShrunkRingStoresTest {
    private static final int SIZE = 256;

    /** The ring's ordered stores, by name; each one faults on the truncated mapping. */
    private static final List<Store> STORES = List.of(
            new Store("availIdxRelease", r -> r.availIdxRelease(1)),
            new Store("availFlags", r -> r.availFlags(1)),
            new Store("usedEvent", r -> r.usedEvent(1)),
            new Store("usedIdxRelease", r -> r.usedIdxRelease(1)),
            new Store("usedFlags", r -> r.usedFlags(1)),
            new Store("availEvent", r -> r.availEvent(1)));

    private record Store(String name, Consumer<SplitRing> action) {
    }

    @Test
    void everyOrderedStoreOnATruncatedRingFaultsIntoAnErrorNotAJvmAbort() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-Xint", "-Xshare:off",
                "-cp", System.getProperty("java.class.path"), Probe.class.getName())
                .redirectErrorStream(true).start();
        boolean ended = child.waitFor(60, TimeUnit.SECONDS);
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            child.destroyForcibly();
        }
        assertTrue(ended, "probe JVM did not finish: " + output);
        assertEquals(0, child.exitValue(), "probe JVM died instead of raising InternalError:\n" + output);
        for (Store store : STORES) {
            assertTrue(output.contains("faulted " + store.name() + ": java.lang.InternalError"),
                    store.name() + " did not fault into an InternalError:\n" + output);
        }
    }

    /** Runs in the interpreted child JVM: maps a file, truncates it, and runs each store once. */
    static final class Probe {
        public static void main(String[] args) throws IOException {
            Path file = Files.createTempFile("virtio4j-shrunk-ring", ".bin");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofShared()) {
                QueueLayout layout = QueueLayout.contiguous(SIZE, 0, true, true);
                long bytes = (layout.contiguousBytes() + 4095) & ~4095L;
                channel.write(java.nio.ByteBuffer.allocate((int) bytes), 0);
                MemorySegment mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
                SplitRing ring = SplitRing.map(GuestMemory.of(GuestRegion.of(0, mapping)), layout);
                channel.truncate(0);
                List<String> lines = new ArrayList<>();
                for (Store store : STORES) {
                    try {
                        store.action().accept(ring);
                        lines.add("no fault " + store.name());
                    } catch (InternalError e) {
                        lines.add("faulted " + store.name() + ": " + e.getClass().getName());
                    }
                }
                lines.forEach(System.out::println);
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
