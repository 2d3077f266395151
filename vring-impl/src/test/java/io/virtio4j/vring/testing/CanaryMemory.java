package io.virtio4j.vring.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;

/**
 * Guest memory for the ring fuzzers: two adjacent regions of {@link #REGION} bytes from guest
 * address 0, each the middle of a larger allocation whose {@link #GUARD} bytes either side hold a
 * canary; {@link #assertIntact} fails if the device wrote a byte outside guest memory.
 */
public final class CanaryMemory {
    public static final long REGION = 0x4000;
    private static final long GUARD = 4096;
    private static final byte CANARY = (byte) 0xA5;

    public final GuestMemory memory;
    private final MemorySegment backing0;
    private final MemorySegment backing1;

    /** Zeroed guest memory in {@code arena}, canaries around both regions. */
    public CanaryMemory(Arena arena) {
        backing0 = arena.allocate(REGION + 2 * GUARD, 4096);
        backing1 = arena.allocate(REGION + 2 * GUARD, 4096);
        backing0.fill(CANARY);
        backing1.fill(CANARY);
        memory = GuestMemory.of(
                GuestRegion.of(0, backing0.asSlice(GUARD, REGION)),
                GuestRegion.of(REGION, backing1.asSlice(GUARD, REGION)));
        memory.slice(0, REGION).fill((byte) 0);
        memory.slice(REGION, REGION).fill((byte) 0);
    }

    /** Copies {@code input} from {@code offset} on into guest memory from address 0 (as much as fits). */
    public void load(byte[] input, int offset) {
        long bytes = Math.min(input.length - offset, 2 * REGION);
        for (long at = 0; at < bytes; at += REGION) {
            long n = Math.min(REGION, bytes - at);
            MemorySegment.copy(MemorySegment.ofArray(input), offset + at, memory.slice(at, n), 0, n);
        }
    }

    /** Fails if any canary byte before or after either region changed. */
    public void assertIntact() {
        for (MemorySegment backing : new MemorySegment[] {backing0, backing1}) {
            for (long i = 0; i < GUARD; i++) {
                assertEquals(CANARY, backing.get(ValueLayout.JAVA_BYTE, i), "canary before region at " + i);
                assertEquals(CANARY, backing.get(ValueLayout.JAVA_BYTE, GUARD + REGION + i), "canary after region at " + i);
            }
        }
    }
}
