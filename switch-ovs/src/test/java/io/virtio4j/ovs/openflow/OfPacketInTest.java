package io.virtio4j.ovs.openflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.datapath.PacketInQueue;
import io.virtio4j.ovs.flow.Actions;
import io.virtio4j.ovs.port.HostFrame;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PACKET_IN from the data path's queue: the message's bytes (NO_BUFFER, total_len, reason, table,
 * cookie, the in_port match, the frame cut at max_len), and a full queue dropping and counting.
 */
class OfPacketInTest {
    private final FakeSwitchView view = new FakeSwitchView(3);

    @AfterEach
    void stopTheSweeper() {
        view.flows().close();
    }

    private static HostFrame frame(byte[] bytes) {
        return new HostFrame().set(MemorySegment.ofArray(bytes), 0, bytes.length);
    }

    private List<ByteBuffer> drain() {
        List<ByteBuffer> out = new ArrayList<>();
        view.drainPacketIns(out::add);
        return out;
    }

    /** The PACKET_IN for {@code data} ({@code frameLength} bytes in all) from port {@code port}, byte for byte. */
    static byte[] expected(long port, int reason, int table, long cookie, int frameLength, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + 16 + 16 + 2 + data.length);
        b.put((byte) 4).put((byte) OfProtocol.PACKET_IN).putShort((short) b.capacity()).putInt(0);
        b.putInt(-1).putShort((short) frameLength).put((byte) reason).put((byte) table).putLong(cookie);
        b.putShort((short) 1).putShort((short) 12).putShort((short) 0x8000).put((byte) 0).put((byte) 4).putInt((int) port)
                .putInt(0);
        b.putShort((short) 0).put(data);
        return b.array();
    }

    /** The bytes of {@code b} from its position to its limit. */
    static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @Test
    void aQueuedFrameBecomesAPacketInCutAtMaxLen() {
        byte[] f = OfPacketOutTest.frame(100);
        assertTrue(view.packetIns.offer(frame(f), 64, "port2", Actions.ToController.ACTION, 3, 0x1122334455667788L));
        assertTrue(view.packetIns.offer(frame(f), OfProtocol.CML_NO_BUFFER, "port1", Actions.ToController.NO_MATCH, 0, -1));
        List<ByteBuffer> sent = drain();
        assertEquals(2, sent.size());
        assertArrayEquals(expected(2, 1, 3, 0x1122334455667788L, 100, Arrays.copyOf(f, 64)), bytes(sent.get(0)));
        assertArrayEquals(expected(1, 0, 0, -1, 100, f), bytes(sent.get(1)), "NO_BUFFER: the whole frame");
        assertTrue(drain().isEmpty(), "each frame once");
    }

    @Test
    void aFullQueueDropsAndCountsAndTakesFramesAgainOnceDrained() {
        byte[] f = OfPacketOutTest.frame(60);
        for (int i = 0; i < PacketInQueue.SLOTS; i++) {
            f[20] = (byte) i;
            assertTrue(view.packetIns.offer(frame(f), 0xffff, "port1", 1, 0, i));
        }
        assertFalse(view.packetIns.offer(frame(f), 0xffff, "port1", 1, 0, 99));
        assertEquals(1, view.packetInDropped());
        List<ByteBuffer> sent = drain();
        assertEquals(PacketInQueue.SLOTS, sent.size());
        for (int i = 0; i < sent.size(); i++) {
            assertEquals(i, sent.get(i).getLong(16), "in order: cookie " + i);
            assertEquals((byte) i, sent.get(i).get(42 + 20), "its own bytes");
        }
        assertTrue(view.packetIns.offer(frame(f), 0xffff, "port3", 1, 0, 7));
        assertEquals(1, drain().size());
        assertEquals(1, view.packetInDropped());
    }
}
