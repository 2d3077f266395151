package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.Request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Every {@link NetPortTest} case again with VIRTIO_F_RING_PACKED negotiated and packed rings in
 * guest memory (issue 14: the port sees one queue type), plus what only a packed ring has: the
 * wrap counter in bit 15 of GET/SET_VRING_BASE, and a ring resumed from such a base.
 */
class PackedNetPortTest extends NetPortTest {
    @Override
    boolean packed() {
        return true;
    }

    /** Sends {@code n} one-buffer frames on TX and has the port take them, reclaiming as it goes. */
    private void transmit(int n) {
        int[] ids = new int[queueSize()];
        int[] lens = new int[queueSize()];
        for (int sent = 0; sent < n; sent++) {
            tx.add(new long[] {BUFFERS}, new int[] {80}, new boolean[] {false}, 1);
            tx.publish();
            assertEquals(1, port.receive(0, (buf, off, len) -> { }, 32));
            assertEquals(1, tx.reclaim(ids, lens, queueSize()));
        }
    }

    @Test
    void getVringBaseCarriesTheWrapCounterAndSetVringBaseResumesFromIt() {
        transmit(queueSize() + 6);
        f.send(Request.GET_VRING_BASE.id(), Message.VERSION, 8, new long[] {1});
        long reply = f.reply(Request.GET_VRING_BASE.id());
        assertEquals((6L << 32) | 1, reply, "slot 6 of the second lap: wrap counter 0 in bit 15");
        // The same ring started again from that base (a reconnect hands it back): the next frame
        // is the driver's next slot, and its used descriptor lands there with the right wrap bit.
        setUpRing(1, layoutAt(TX_RING), txCall, (int) (reply >>> 32));
        assertTrue(port.ready(0));
        transmit(queueSize());
        f.send(Request.GET_VRING_BASE.id(), Message.VERSION, 8, new long[] {1});
        assertEquals((6L << 32 | 0x8000L << 32) | 1, f.reply(Request.GET_VRING_BASE.id()), "a lap later: wrap counter 1");
        assertEquals(2L * queueSize() + 6, port.received());
    }

    @Test
    void qemusUsedPositionInTheHighHalfOfTheBaseIsIgnored() {
        // QEMU 7.2 sends avail | used << 16 for a new packed ring: 0x80008000.
        f.send(Request.GET_VRING_BASE.id(), Message.VERSION, 8, new long[] {1});
        f.reply(Request.GET_VRING_BASE.id());
        setUpRing(1, layoutAt(TX_RING), txCall, 0x8000_8000);
        assertTrue(port.ready(0), "the ring started at slot 0, wrap counter 1");
        transmit(3);
        f.send(Request.GET_VRING_BASE.id(), Message.VERSION, 8, new long[] {1});
        assertEquals(((long) (3 | 0x8000) << 32) | 1, f.reply(Request.GET_VRING_BASE.id()), "reported as 16 bits, as DPDK does");
    }

    @Test
    void aBaseNamingNoSlotOfTheRingIsRefused() {
        f.send(Request.GET_VRING_BASE.id(), Message.VERSION, 8, new long[] {1});
        f.reply(Request.GET_VRING_BASE.id());
        assertEquals(0, f.call(Request.SET_VRING_BASE, new long[] {((long) (queueSize() | 0x8000) << 32) | 1}));
        int kick = TestFiles.eventfd();
        try {
            assertNotEquals(0, f.call(Request.SET_VRING_KICK, new long[] {1}, kick), "the ring cannot start at slot " + queueSize());
        } finally {
            TestFiles.close(kick);
        }
        assertFalse(port.ready(0));
        f.assertAlive();
    }
}
