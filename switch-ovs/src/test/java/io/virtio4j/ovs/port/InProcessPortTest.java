package io.virtio4j.ovs.port;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.tap.IovecArray;
import io.virtio4j.vhostuser.net.VhostUserNetPort;

import org.junit.jupiter.api.Test;

/** A transmit whose source cannot be read must not leave a claimed slot that stalls the port for good. */
class InProcessPortTest {
    /** A 60-byte frame whose bytes cannot be read: {@code failure} is thrown instead. */
    private static Frame unreadable(RuntimeException failure) {
        return new Frame() {
            @Override
            public long length() {
                return 60;
            }

            @Override
            public void read(long offset, MemorySegment dst, long dstOffset, long length) {
                throw failure;
            }

            @Override
            public boolean deliverTo(VhostUserNetPort port, int pair, MemorySegment head, long headLength, long offset) {
                throw failure;
            }

            @Override
            public int mapIovecs(IovecArray iovecs, int first, long offset) {
                throw failure;
            }
        };
    }

    private static byte[] frameBytes(int length, int fill) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) fill);
        return bytes;
    }

    private static boolean transmitHost(InProcessPort port, byte[] bytes) {
        MemorySegment buffer = Arena.ofAuto().allocate(bytes.length);
        MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return transmitOne(port, new HostFrame().set(buffer, 0, bytes.length));
    }

    /** Sends one frame as a batch of one; true if the port marked it sent. */
    private static boolean transmitOne(InProcessPort port, Frame frame) {
        TxBatch batch = new TxBatch();
        batch.add(frame, MemorySegment.NULL, 0, 0, 0);
        port.transmit(batch);
        return batch.sentFrames() == 1;
    }

    @Test
    void aSourceGuestThatRemappedItsMemoryDropsTheFrameAndTheNextFrameStillArrives() {
        try (InProcessPort port = new InProcessPort(PortSpec.access("p", PortType.IN_PROCESS, "p", 10))) {
            GuestMemoryException gone = new GuestMemoryException(GuestMemoryException.Kind.UNMAPPED, 0x1000, 60, "unmapped");
            assertFalse(transmitOne(port, unreadable(gone)));
            byte[] next = frameBytes(64, 0x5a);
            assertTrue(transmitHost(port, next));
            assertArrayEquals(next, port.take());
            assertNull(port.take());
        }
    }

    @Test
    void anyOtherReadFailureIsRethrownAndTheSlotIsGivenBack() {
        try (InProcessPort port = new InProcessPort(PortSpec.access("p", PortType.IN_PROCESS, "p", 10))) {
            IllegalStateException bug = new IllegalStateException("bug");
            assertSame(bug, assertThrows(IllegalStateException.class,
                    () -> transmitOne(port, unreadable(bug))));
            byte[] next = frameBytes(60, 0x33);
            assertTrue(transmitHost(port, next));
            assertArrayEquals(next, port.take());
        }
    }
}
