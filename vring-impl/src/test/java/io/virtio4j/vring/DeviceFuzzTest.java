package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.testing.TestGroups;
import io.virtio4j.vring.testing.CanaryMemory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded random fuzzing of the device side: arbitrary descriptor, ring and indirect-table bytes
 * (biased toward almost-valid values so the walker goes deep). Asserts nothing escapes pop /
 * publish / notification calls, every handed-out buffer is mapped and ordered, and nothing is
 * written outside guest memory: each region is a slice of a larger allocation whose canary bytes
 * must stay intact.
 *
 * <p>Runs {@code -Dvirtio4j.fuzz.seconds=N} seconds (default 15); seed with
 * {@code -Dvirtio4j.fuzz.seed=S} (default: time based, printed so a failure can be replayed).
 */
@Tag(TestGroups.FUZZ)
class DeviceFuzzTest {
    private static final long REGION = CanaryMemory.REGION;

    @Test
    void arbitraryRingBytesNeverEscapeOrLeaveGuestMemory() {
        long seconds = Long.getLong("virtio4j.fuzz.seconds", 15);
        long seed = Long.getLong("virtio4j.fuzz.seed", System.nanoTime());
        System.out.println("DeviceFuzzTest seed " + seed + " for " + seconds + " s");
        Random random = new Random(seed);
        Arena arena = Arena.ofAuto();
        CanaryMemory canaries = new CanaryMemory(arena);
        GuestMemory memory = canaries.memory;
        MemorySegment host = arena.allocate(1 << 16);

        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long iterations = 0;
        long popped = 0;
        long refused = 0;
        while (System.nanoTime() < deadline) {
            int size = 1 << random.nextInt(6);
            QueueLayout layout = QueueLayout.contiguous(size, 0x100, random.nextBoolean(), random.nextBoolean());
            DeviceQueue device = new DeviceQueue("fuzz", memory, layout, random.nextInt(65536), random.nextInt(65536));
            SplitRing raw = SplitRing.map(memory, layout);
            ChainCopier copier = new ChainCopier(memory);
            DescriptorChain[] chains = {device.newChain(), device.newChain(), device.newChain(), device.newChain()};
            int availIdx = device.lastAvailIdx();
            for (int round = 0; round < 200 && !device.isBroken(); round++, iterations++) {
                scribble(random, memory, raw, size);
                availIdx = (availIdx + (random.nextInt(50) == 0 ? random.nextInt(65536) : random.nextInt(size + 1))) & 0xffff;
                raw.availIdxRelease(availIdx);
                try {
                    int n = device.pop(chains, random.nextInt(chains.length + 1));
                    for (int c = 0; c < n; c++) {
                        DescriptorChain chain = chains[c];
                        checkChain(memory, chain, size);
                        copier.copyReadable(chain, host, 0, host.byteSize());
                        long wrote = copier.writeWritable(chain, host, 0, Math.min(host.byteSize(), chain.writableBytes()));
                        device.addUsed(chain, wrote);
                        popped++;
                    }
                    if (random.nextBoolean()) {
                        device.addUsed(random.nextInt(), random.nextLong());
                    }
                    device.publish();
                    device.needsInterrupt();
                    if (random.nextBoolean()) {
                        device.enableNotification();
                    } else {
                        device.disableNotification();
                    }
                    device.popOne(chains[0]);
                } catch (RuntimeException e) {
                    fail("seed " + seed + ": exception escaped the device side", e);
                }
            }
            refused += device.counters().totalErrors();
        }
        canaries.assertIntact();
        System.out.printf("DeviceFuzzTest: %d rounds, %d chains served, %d refused%n", iterations, popped, refused);
        assertTrue(popped > 0 && refused > 0, "the fuzzer must reach both good and bad chains");
    }

    /**
     * The same for packed rings: descriptors written mostly available for the lap the device is
     * in at their slot (so chains are walked deep, across the ring end), with NEXT, INDIRECT,
     * WRITE, ids and wrong-lap flags at random, slots the device holds overwritten, event
     * structures scribbled, and random used ids returned.
     */
    @Test
    void arbitraryPackedRingBytesNeverEscapeOrLeaveGuestMemory() {
        long seconds = Long.getLong("virtio4j.fuzz.seconds", 10);
        long seed = Long.getLong("virtio4j.fuzz.seed", System.nanoTime());
        System.out.println("DeviceFuzzTest (packed) seed " + seed + " for " + seconds + " s");
        Random random = new Random(seed);
        Arena arena = Arena.ofAuto();
        CanaryMemory canaries = new CanaryMemory(arena);
        GuestMemory memory = canaries.memory;
        MemorySegment host = arena.allocate(1 << 16);

        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long popped = 0;
        long refused = 0;
        long broken = 0;
        while (System.nanoTime() < deadline) {
            // Any size: a packed ring's need not be a power of two.
            int size = 1 + random.nextInt(40);
            QueueLayout layout = QueueLayout.packed(size, 0x100, random.nextBoolean(), random.nextBoolean());
            int start = random.nextInt(size) | (random.nextBoolean() ? PackedRing.WRAP_BIT : 0);
            DeviceQueue device = new DeviceQueue("fuzz", memory, layout, start, start);
            PackedRing raw = PackedRing.map(memory, layout);
            raw.desc.fill((byte) 0);
            ChainCopier copier = new ChainCopier(memory);
            DescriptorChain[] chains = {device.newChain(), device.newChain(), device.newChain(), device.newChain()};
            for (int round = 0; round < 200 && !device.isBroken(); round++) {
                scribblePacked(random, memory, raw, device.lastAvailIdx(), size);
                try {
                    int n = device.pop(chains, random.nextInt(chains.length + 1));
                    for (int c = 0; c < n; c++) {
                        DescriptorChain chain = chains[c];
                        checkChain(memory, chain, size);
                        copier.copyReadable(chain, host, 0, host.byteSize());
                        long wrote = copier.writeWritable(chain, host, 0, Math.min(host.byteSize(), chain.writableBytes()));
                        if (random.nextInt(8) != 0) {
                            device.addUsed(chain, wrote);
                        } else if (random.nextBoolean() && c == n - 1) {
                            device.unpop(1);
                        }
                        popped++;
                    }
                    if (random.nextInt(4) == 0) {
                        device.addUsed(random.nextInt(size + 2) - 1, random.nextLong());
                    }
                    device.publish();
                    device.needsInterrupt();
                    if (random.nextBoolean()) {
                        device.enableNotification();
                    } else {
                        device.disableNotification();
                    }
                    if (device.popOne(chains[0])) {
                        checkChain(memory, chains[0], size);
                        device.addUsed(chains[0], 0);
                        popped++;
                    }
                    int avail = device.lastAvailIdx();
                    int used = device.usedIdx();
                    assertTrue((avail & 0x7fff) < size && (used & 0x7fff) < size, "positions stay in the ring");
                } catch (RuntimeException e) {
                    fail("seed " + seed + ": exception escaped the packed device side", e);
                }
            }
            refused += device.counters().totalErrors();
            broken += device.isBroken() ? 1 : 0;
        }
        canaries.assertIntact();
        System.out.printf("DeviceFuzzTest (packed): %d chains served, %d refused, %d queues broken%n", popped, refused, broken);
        assertTrue(popped > 0 && refused > 0 && broken > 0, "the fuzzer must reach good chains, bad ones and broken rings");
    }

    /** Packed descriptors near the legal range, mostly available for the lap the device reads their slot in. */
    private static void scribblePacked(Random random, GuestMemory memory, PackedRing raw, int devicePosition, int size) {
        int deviceSlot = devicePosition & 0x7fff;
        boolean deviceWrap = (devicePosition & PackedRing.WRAP_BIT) != 0;
        for (int i = 0; i < size; i++) {
            if (random.nextInt(3) != 0) {
                continue;
            }
            boolean lap = i >= deviceSlot ? deviceWrap : !deviceWrap;
            int flags = random.nextInt(8) & (random.nextInt(4) == 0 ? 7 : 3);
            flags |= switch (random.nextInt(12)) {
                case 0 -> PackedRing.availBits(!lap);
                case 1 -> PackedRing.usedBits(lap);
                case 2 -> random.nextInt(65536);
                default -> PackedRing.availBits(lap);
            };
            int id = random.nextInt(10) == 0 ? random.nextInt(65536) : random.nextInt(size);
            raw.writeBody(i, plausibleAddress(random), plausibleLength(random), id);
            raw.flagsRelease(i, flags);
        }
        // Indirect tables live wherever a descriptor points; scribble plausible entries there.
        for (int k = 0; k < 4; k++) {
            long at = (0x2000 + random.nextInt(0x5000)) & ~15L;
            MemorySegment t = memory.slice(at, 16);
            t.set(SplitRing.U64, 0, plausibleAddress(random));
            t.set(SplitRing.U32, 8, plausibleLength(random));
            t.set(SplitRing.U16, 14, (short) random.nextInt(8));
        }
        if (random.nextInt(10) == 0) {
            raw.driverEventOffWrap(random.nextInt(65536));
            raw.driverEventFlags(random.nextInt(4));
        }
    }

    /** Random bytes in the rings, tables and data, but values kept near the legal range. */
    private static void scribble(Random random, GuestMemory memory, SplitRing raw, int size) {
        for (int i = 0; i < size; i++) {
            if (random.nextInt(4) != 0) {
                continue;
            }
            raw.writeDesc(i, plausibleAddress(random), plausibleLength(random), random.nextInt(8),
                    random.nextInt(8) == 0 ? random.nextInt(65536) : random.nextInt(size + 1));
            raw.availEntry(random.nextInt(size), random.nextInt(8) == 0 ? random.nextInt(65536) : random.nextInt(size));
        }
        // Indirect tables live wherever a descriptor points; scribble plausible entries there.
        for (int k = 0; k < 4; k++) {
            long at = (0x2000 + random.nextInt(0x5000)) & ~15L;
            MemorySegment t = memory.slice(at, 16);
            t.set(SplitRing.U64, 0, plausibleAddress(random));
            t.set(SplitRing.U32, 8, plausibleLength(random));
            t.set(SplitRing.U16, 12, (short) random.nextInt(8));
            t.set(SplitRing.U16, 14, (short) random.nextInt(6));
        }
        if (random.nextInt(20) == 0) {
            raw.usedEvent(random.nextInt(65536));
            raw.availFlags(random.nextInt(4));
        }
    }

    private static long plausibleAddress(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> random.nextLong();
            case 1 -> 2 * REGION - random.nextInt(64);
            case 2 -> -random.nextInt(64) - 1L;
            default -> 0x2000 + random.nextInt(0x6000);
        };
    }

    private static int plausibleLength(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> random.nextInt();
            case 1 -> 0;
            case 2 -> 16 * random.nextInt(8);
            default -> random.nextInt(0x800);
        };
    }

    private static void checkChain(GuestMemory memory, DescriptorChain chain, int size) {
        assertTrue(chain.head() >= 0 && chain.head() < size, "head or id " + chain.head() + " of a ring of " + size);
        long readable = 0;
        for (int i = 0; i < chain.count(); i++) {
            assertTrue(memory.isMapped(chain.address(i), chain.length(i)), "unmapped buffer handed out");
            assertEquals(i >= chain.readableCount(), chain.isWritable(i));
            if (!chain.isWritable(i)) {
                readable += chain.length(i);
            }
        }
        assertEquals(readable, chain.readableBytes());
        assertTrue(chain.readableBytes() + chain.writableBytes() <= 0xffff_ffffL);
    }
}
