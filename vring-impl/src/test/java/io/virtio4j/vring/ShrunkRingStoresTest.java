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
 * abort the JVM (SIGBUS in an interpreted 16-bit release  store). Every ordered store of both ring kinds is run
 * here in an {@code -Xint} JVM over a file truncated under its mapping: each must end in the
 * {@code InternalError} the switch already contains, and the JVM must exit normally.
 */
class ShrunkRingStoresTest {
    private static final int SIZE = 256;

    /** The split ring's ordered stores, by name; each one faults on the truncated mapping. */
    private static final List<Store<SplitRing>> SPLIT_STORES = List.of(
            new Store<>("availIdxRelease", r -> r.availIdxRelease(1)),
            new Store<>("availFlags", r -> r.availFlags(1)),
            new Store<>("usedEvent", r -> r.usedEvent(1)),
            new Store<>("usedIdxRelease", r -> r.usedIdxRelease(1)),
            new Store<>("usedFlags", r -> r.usedFlags(1)),
            new Store<>("availEvent", r -> r.availEvent(1)));

    /**
     * The packed ring's: a descriptor's flags, a used descriptor's second half and both event
     * suppression structures; and the ordered 64-bit load of a descriptor's second half.
     */
    private static final List<Store<PackedRing>> PACKED_STORES = List.of(
            new Store<>("flagsRelease", r -> r.flagsRelease(1, 1)),
            new Store<>("writeUsed", r -> r.writeUsed(1, 1, 1, 1)),
            new Store<>("tailAcquire", r -> r.tailAcquire(1)),
            new Store<>("driverEventFlags", r -> r.driverEventFlags(1)),
            new Store<>("driverEventOffWrap", r -> r.driverEventOffWrap(1)),
            new Store<>("deviceEventFlags", r -> r.deviceEventFlags(1)),
            new Store<>("deviceEventOffWrap", r -> r.deviceEventOffWrap(1)));

    private record Store<R>(String name, Consumer<R> action) {
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
        for (Store<?> store : concat(SPLIT_STORES, PACKED_STORES)) {
            assertTrue(output.contains("faulted " + store.name() + ": java.lang.InternalError"),
                    store.name() + " did not fault into an InternalError:\n" + output);
        }
    }

    private static List<Store<?>> concat(List<? extends Store<?>> a, List<? extends Store<?>> b) {
        List<Store<?>> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Runs in the interpreted child JVM: maps a file, truncates it, and runs each store once. */
    static final class Probe {
        public static void main(String[] args) throws IOException {
            List<String> lines = new ArrayList<>();
            QueueLayout split = QueueLayout.contiguous(SIZE, 0, true, true);
            QueueLayout packed = QueueLayout.packed(SIZE, 0, true, true);
            lines.addAll(probe(split, memory -> SplitRing.map(memory, split), SPLIT_STORES));
            lines.addAll(probe(packed, memory -> PackedRing.map(memory, packed), PACKED_STORES));
            lines.forEach(System.out::println);
        }

        private static <R> List<String> probe(QueueLayout layout, java.util.function.Function<GuestMemory, R> map,
                                              List<Store<R>> stores) throws IOException {
            Path file = Files.createTempFile("virtio4j-shrunk-ring", ".bin");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofShared()) {
                long bytes = (layout.contiguousBytes() + 4095) & ~4095L;
                channel.write(java.nio.ByteBuffer.allocate((int) bytes), 0);
                MemorySegment mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
                R ring = map.apply(GuestMemory.of(GuestRegion.of(0, mapping)));
                channel.truncate(0);
                List<String> lines = new ArrayList<>();
                for (Store<R> store : stores) {
                    try {
                        store.action().accept(ring);
                        lines.add("no fault " + store.name());
                    } catch (InternalError e) {
                        lines.add("faulted " + store.name() + ": " + e.getClass().getName());
                    }
                }
                return lines;
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
