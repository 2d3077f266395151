package io.virtio4j.ovs.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.packet.ParsedFrame;

class FlowTableTest {
    private static FlowEntry flow(int id, int priority, Match m) {
        return new FlowEntry(id, 0, priority, m, List.of(new Actions.Output(id)));
    }

    /** A frame tagged {@code vlan} to {@code dst}, translated from port 1. */
    private static Translation frame(int vlan, long dst) {
        byte[] bytes = new byte[60];
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (dst >>> (40 - 8 * i));
        }
        bytes[6] = 2;
        bytes[12] = (byte) 0x81;
        bytes[14] = (byte) (vlan >>> 8);
        bytes[15] = (byte) vlan;
        bytes[16] = (byte) 0x88;
        bytes[17] = (byte) 0xb5;
        ParsedFrame f = new ParsedFrame();
        f.parse(MemorySegment.ofArray(bytes), 60, 60);
        Translation t = new Translation();
        t.start(f, 1, 0, new Resolution());
        return t;
    }

    @Test
    void vlanPartitionsKeepOnePriorityOrderWithTheAnyVlanFlows() {
        FlowTable table = new FlowTable(0, "t", List.of(
                flow(1, 10, Match.all()),
                flow(2, 200, Match.all().withVlan(10)),
                flow(3, 300, Match.all().withEthDst(0x0200_0000_0001L)),
                flow(4, 250, Match.all().withVlan(20).withEthDst(0x0200_0000_0001L)),
                flow(5, 5, Match.all().withVlan(30).withInPort(9))));
        assertEquals(3, table.lookup(frame(10, 0x0200_0000_0001L)).id(), "an any-VLAN flow above the VLAN's own");
        assertEquals(2, table.lookup(frame(10, 0x0200_0000_0002L)).id());
        assertEquals(3, table.lookup(frame(20, 0x0200_0000_0001L)).id());
        assertEquals(1, table.lookup(frame(20, 0x0200_0000_0002L)).id(), "VLAN 10's flow does not leak into VLAN 20");
        assertEquals(1, table.lookup(frame(30, 0x0200_0000_0002L)).id(), "in_port 9 does not match port 1");
        assertEquals(1, table.lookup(frame(4000, 0x0200_0000_0002L)).id());
        FlowTable noCatchAll = new FlowTable(0, "t", List.of(flow(2, 200, Match.all().withVlan(10))));
        assertNull(noCatchAll.lookup(frame(11, 1)));
    }
}
