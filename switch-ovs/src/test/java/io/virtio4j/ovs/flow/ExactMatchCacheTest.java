package io.virtio4j.ovs.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.packet.ParsedFrame;

class ExactMatchCacheTest {

    private static ParsedFrame frame(long dst) {
        byte[] bytes = new byte[60];
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (dst >>> (40 - 8 * i));
        }
        bytes[12] = (byte) 0x88;
        bytes[13] = (byte) 0xb5;
        ParsedFrame f = new ParsedFrame();
        assertTrue(f.parse(MemorySegment.ofArray(bytes), 60, 60));
        return f;
    }

    private static Resolution unicast(int port) {
        Resolution r = new Resolution();
        r.clear();
        r.output(Resolution.UNICAST, port);
        r.addFlow(port + 100);
        return r;
    }

    @Test
    void hitsOnTheSameKeyAndGenerationsOnly() {
        ExactMatchCache emc = new ExactMatchCache(64);
        Resolution out = new Resolution();
        ParsedFrame f = frame(0x0200_0000_0001L);
        assertFalse(emc.lookup(1, f, 5, 9, out));
        emc.insert(1, f, 5, 9, unicast(3));
        assertTrue(emc.lookup(1, f, 5, 9, out));
        assertEquals(3, out.outputPort(0));
        assertEquals(103, out.flow(0));
        assertFalse(emc.lookup(2, f, 5, 9, out), "another in_port");
        assertFalse(emc.lookup(1, frame(0x0200_0000_0002L), 5, 9, out), "another eth_dst");
        assertFalse(emc.lookup(1, f, 6, 9, out), "the FDB changed");
        assertFalse(emc.lookup(1, f, 5, 10, out), "the neighbour table changed");
        emc.clear();
        assertFalse(emc.lookup(1, f, 5, 9, out));
    }

    @Test
    void keepsManyKeysInATwoWayTable() {
        ExactMatchCache emc = new ExactMatchCache(1024);
        Resolution out = new Resolution();
        int kept = 0;
        for (int i = 0; i < 512; i++) {
            emc.insert(0, frame(0x0200_0000_0000L + i), 0, 0, unicast(i));
        }
        for (int i = 0; i < 512; i++) {
            if (emc.lookup(0, frame(0x0200_0000_0000L + i), 0, 0, out)) {
                assertEquals(i, out.outputPort(0), "a hit is always the key's own value");
                kept++;
            }
        }
        assertTrue(kept > 450, "half full, two ways: nearly every key kept, got " + kept);
    }

    @Test
    void sizeMustBeAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new ExactMatchCache(1000));
        assertThrows(IllegalArgumentException.class, () -> new ExactMatchCache(1));
    }
}
