package io.virtio4j.vring;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChainCopierTest {
    private final Arena arena = Arena.ofAuto();
    private final GuestMemory memory = GuestMemory.of(
            GuestRegion.of(0, arena.allocate(0x10000, 4096)),
            GuestRegion.of(0x10000, arena.allocate(0x10000, 4096)));
    private final QueueLayout layout = QueueLayout.contiguous(8, 0x1000, false, false);
    private final DriverQueue driver = new DriverQueue(memory, layout);
    private final DeviceQueue device = new DeviceQueue("c", memory, layout);
    private final ChainCopier copier = new ChainCopier(memory);
    private final DescriptorChain chain = device.newChain();

    @BeforeEach
    void chainOfTwoReadableAcrossTheBoundaryAndTwoWritable() {
        for (int i = 0; i < 20; i++) {
            memory.slice(0xfff6 + i, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) i);
        }
        // readable: 10 bytes ending at the boundary, 10 starting at it; writable: 4 + 6 bytes.
        driver.add(new long[]{0xfff6, 0x10000, 0x8000, 0x9000}, new int[]{10, 10, 4, 6},
                new boolean[]{false, false, true, true}, 4);
        driver.publish();
        assertEquals(true, device.popOne(chain));
    }

    @Test
    void copiesReadableBytesInOrderUpToMax() {
        MemorySegment dst = arena.allocate(32);
        assertEquals(20, copier.copyReadable(chain, dst, 2, 30));
        for (int i = 0; i < 20; i++) {
            assertEquals((byte) i, dst.get(ValueLayout.JAVA_BYTE, 2 + i));
        }
        assertEquals(0, dst.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(13, copier.copyReadable(chain, dst, 0, 13));
    }

    @Test
    void writesAcrossWritableBuffersAndReportsTruncation() {
        MemorySegment src = arena.allocate(16);
        for (int i = 0; i < 16; i++) {
            src.set(ValueLayout.JAVA_BYTE, i, (byte) (100 + i));
        }
        assertEquals(10, copier.writeWritable(chain, src, 0, 16), "only 10 writable bytes");
        assertEquals(103, memory.slice(0x8003, 1).get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(104, memory.slice(0x9000, 1).get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(109, memory.slice(0x9005, 1).get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, memory.slice(0x9006, 1).get(ValueLayout.JAVA_BYTE, 0), "nothing past the buffer");
    }

    @Test
    void copiesChainToChainAcrossGuestsSkippingHeaders() {
        // A second guest with its own rings: the frame goes from this chain's readable buffers
        // straight into that chain's writable buffers.
        GuestMemory other = GuestMemory.anonymous(arena, 0, 0x10000);
        QueueLayout otherLayout = QueueLayout.contiguous(8, 0x1000, false, false);
        DriverQueue otherDriver = new DriverQueue(other, otherLayout);
        DeviceQueue otherDevice = new DeviceQueue("o", other, otherLayout);
        otherDriver.add(new long[]{0x8000, 0x9000}, new int[]{3, 64}, new boolean[]{true, true}, 2);
        otherDriver.publish();
        DescriptorChain rx = otherDevice.newChain();
        assertEquals(true, otherDevice.popOne(rx));

        ChainCopier into = new ChainCopier(other);
        assertEquals(18, into.copyChain(memory, chain, 2, rx, 1), "20 readable - 2 skipped");
        assertEquals(0, other.slice(0x8000, 1).get(ValueLayout.JAVA_BYTE, 0), "skipped byte untouched");
        assertEquals(2, other.slice(0x8001, 1).get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(3, other.slice(0x8002, 1).get(ValueLayout.JAVA_BYTE, 0));
        for (int i = 4; i < 20; i++) {
            assertEquals((byte) i, other.slice(0x9000 + i - 4, 1).get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void writesAtAnOffsetIntoTheWritableBuffersAcrossTheirSplit() {
        // Writable buffers: 4 bytes at 0x8000, 6 at 0x9000. Offset 3 starts in the first, ends in the second.
        memory.slice(0x8000, 4).fill((byte) 0x55);
        memory.slice(0x9000, 6).fill((byte) 0x55);
        MemorySegment src = arena.allocate(3);
        src.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        src.set(ValueLayout.JAVA_BYTE, 1, (byte) 2);
        src.set(ValueLayout.JAVA_BYTE, 2, (byte) 3);
        assertEquals(3, copier.writeWritable(chain, 3, src, 0, 3));
        assertEquals(0x55, memory.slice(0x8002, 1).get(ValueLayout.JAVA_BYTE, 0), "before the offset untouched");
        assertEquals(1, memory.slice(0x8003, 1).get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(2, memory.slice(0x9000, 1).get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(3, memory.slice(0x9001, 1).get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0x55, memory.slice(0x9002, 1).get(ValueLayout.JAVA_BYTE, 0), "after the write untouched");
        assertEquals(1, copier.writeWritable(chain, 9, src, 0, 3), "only one writable byte left at offset 9");
        assertEquals(0, copier.writeWritable(chain, 10, src, 0, 3), "nothing left past the buffers");
    }
}
