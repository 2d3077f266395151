package io.virtio4j.ovs.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** PORT_STATUS from successive port snapshots: ADD, DELETE, MODIFY, and nothing for counters. */
class OfPortWatchTest {
    private static OfPortView port(long number, String name, boolean live, long rx) {
        return new OfPortView(number, name, live, rx, 0, rx * 100, 0, 0, 0);
    }

    private static String name(ByteBuffer status) {
        byte[] n = new byte[16];
        status.get(16 + 16, n);
        return new String(n, StandardCharsets.US_ASCII).replace("\0", "");
    }

    @Test
    void portsThatComeGoOrChangeStateAreToldOnceAndCountersAreNot() {
        OfPortWatch watch = new OfPortWatch();
        assertTrue(watch.changes(List.of(port(1, "vm-a", true, 0), port(2, "vm-b", false, 0))).isEmpty(),
                "the ports at start are PORT_DESC's");
        assertTrue(watch.changes(List.of(port(1, "vm-a", true, 7), port(2, "vm-b", false, 0))).isEmpty(), "counters moved only");

        // del-port vm-b, add-port vm-c, vm-a's front-end gone.
        List<ByteBuffer> out = watch.changes(List.of(port(1, "vm-a", false, 7), port(3, "vm-c", true, 0)));
        assertEquals(3, out.size(), out.toString());
        for (ByteBuffer m : out) {
            assertEquals(OfProtocol.VERSION, m.get(0));
            assertEquals(OfProtocol.PORT_STATUS, m.get(1));
            assertEquals(8 + 8 + 64, m.remaining());
            assertEquals(m.remaining(), m.getShort(2));
        }
        assertEquals(OfProtocol.PPR_MODIFY, out.get(0).get(8));
        assertEquals(1, out.get(0).getInt(16), "port_no");
        assertEquals(OfProtocol.PS_LINK_DOWN, out.get(0).getInt(16 + 36), "state");
        assertEquals(OfProtocol.PPR_ADD, out.get(1).get(8));
        assertEquals(3, out.get(1).getInt(16));
        assertEquals("vm-c", name(out.get(1)));
        assertEquals(OfProtocol.PS_LIVE, out.get(1).getInt(16 + 36));
        assertEquals(OfProtocol.PPR_DELETE, out.get(2).get(8));
        assertEquals(2, out.get(2).getInt(16));
        assertEquals("vm-b", name(out.get(2)), "as it last was");
        assertTrue(watch.changes(List.of(port(1, "vm-a", false, 9), port(3, "vm-c", true, 1))).isEmpty(), "told once");
    }
}
