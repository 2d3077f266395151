package io.virtio4j.samples.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.packet.Arp;
import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.Icmp;
import io.virtio4j.ovs.packet.Ipv4Header;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.spi.net.MacAddress;

/** Two stacks wired back to back: what one sends, the other receives. */
class TinyIpStackTest {
    private static final Ipv4Prefix NET = Ipv4Prefix.parse("10.5.0.0/24");
    private final TinyIpStack a = new TinyIpStack("a", MacAddress.parse("02:00:00:00:05:0a"), Ipv4.parse("10.5.0.10"), NET, Ipv4.parse("10.5.0.1"));
    private final TinyIpStack b = new TinyIpStack("b", MacAddress.parse("02:00:00:00:05:0b"), Ipv4.parse("10.5.0.11"), NET, Ipv4.parse("10.5.0.1"));
    private final MemorySegment frame = Arena.ofAuto().allocate(TinyIpStack.MAX_FRAME);
    private final List<byte[]> fromA = new ArrayList<>();
    private final List<byte[]> fromB = new ArrayList<>();
    private final FrameOut outA = (f, n) -> fromA.add(f.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    private final FrameOut outB = (f, n) -> fromB.add(f.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));

    @Test
    void anArpRequestIsAnsweredAndBothSidesLearnEachOther() {
        int n = a.arpRequest(b.ip(), frame);
        assertEquals(Ethernet.MIN_FRAME, n, "padded to the Ethernet minimum");
        b.receive(frame.asSlice(0, n), outB);
        assertEquals(1, fromB.size(), "b answered");
        assertEquals(a.mac(), b.neighbour(a.ip()), "b learned the asker");
        a.receive(MemorySegment.ofArray(fromB.getFirst()), outA);
        assertEquals(b.mac(), a.neighbour(b.ip()));
        assertEquals(b.mac(), a.nextHopMac(b.ip()));
        assertEquals(0, a.nextHopMac(Ipv4.parse("10.6.0.1")), "off-subnet goes to the gateway, not yet resolved");
        assertTrue(fromA.isEmpty(), "a reply is not answered");
    }

    @Test
    void anEchoRequestIsAnsweredWithTheSameDataAndTheReplyEndsThePing() {
        int n = a.echoRequest(b.mac(), b.ip(), 7, frame);
        b.receive(frame.asSlice(0, n), outB);
        assertEquals(1, b.echoRequestsAnswered());
        assertEquals(64, b.lastEchoRequestTtl());
        assertEquals(a.mac(), b.lastEchoRequestSource());
        MemorySegment reply = MemorySegment.ofArray(fromB.getFirst());
        int icmp = Ethernet.HEADER_LENGTH + Ipv4Header.MIN_LENGTH;
        assertEquals(Icmp.TYPE_ECHO_REPLY, NetworkOrder.u8(reply, icmp));
        assertTrue(Checksum.verify(reply, icmp, Icmp.HEADER_LENGTH + TinyIpStack.ECHO_DATA), "ICMP checksum");
        assertTrue(Checksum.verify(reply, Ethernet.HEADER_LENGTH, Ipv4Header.MIN_LENGTH), "IPv4 checksum");
        assertEquals(MemorySegment.ofArray(frame.asSlice(icmp + 4, 4 + TinyIpStack.ECHO_DATA).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                .mismatch(reply.asSlice(icmp + 4, 4 + TinyIpStack.ECHO_DATA)), -1, "id, sequence and data echoed");
        assertNull(a.lastReply());
        a.receive(reply, outA);
        TinyIpStack.EchoReply r = a.lastReply();
        assertNotNull(r);
        assertEquals(7, r.seq());
        assertEquals(64, r.ttl());
        assertEquals(b.mac(), r.sourceMac());
    }

    @Test
    void hostileAndForeignFramesAreCountedOrIgnoredNeverAnswered() {
        // Cut short: malformed.
        a.receive(MemorySegment.ofArray(new byte[10]), outA);
        assertEquals(1, a.malformed());
        // An echo request for someone else.
        int n = b.echoRequest(a.mac(), Ipv4.parse("10.5.0.99"), 1, frame);
        a.receive(frame.asSlice(0, n), outA);
        // An echo request with a broken ICMP checksum.
        n = b.echoRequest(a.mac(), a.ip(), 2, frame);
        NetworkOrder.putU16(frame, Ethernet.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + Icmp.CHECKSUM, 0x1234);
        a.receive(frame.asSlice(0, n), outA);
        // An ARP reply claiming an address off our subnet: not learned.
        n = b.arpRequest(a.ip(), frame);
        NetworkOrder.putU16(frame, Ethernet.HEADER_LENGTH + Arp.OPERATION, Arp.OP_REPLY);
        NetworkOrder.putU32(frame, Ethernet.HEADER_LENGTH + Arp.SENDER_IP, Ipv4.parse("192.168.1.1"));
        a.receive(frame.asSlice(0, n), outA);
        assertTrue(fromA.isEmpty(), "nothing answered");
        assertEquals(0, a.echoRequestsAnswered());
        assertEquals(0, a.neighbour(Ipv4.parse("192.168.1.1")));
        assertEquals(4, a.framesReceived());
        // An echo reply nobody asked for does not count as one.
        n = b.echoRequest(a.mac(), a.ip(), 3, frame);
        NetworkOrder.putU8(frame, Ethernet.HEADER_LENGTH + Ipv4Header.MIN_LENGTH, Icmp.TYPE_ECHO_REPLY);
        a.receive(frame.asSlice(0, n), outA);
        assertNull(a.lastReply());
    }

    @Test
    void aStackRefusesAnAddressOutsideItsSubnet() {
        assertThrows(IllegalArgumentException.class,
                () -> new TinyIpStack("x", MacAddress.parse("02:00:00:00:00:01"), Ipv4.parse("10.6.0.1"), NET, Ipv4.parse("10.5.0.1")));
        assertThrows(IllegalArgumentException.class,
                () -> new TinyIpStack("x", MacAddress.parse("03:00:00:00:00:01"), Ipv4.parse("10.5.0.2"), NET, Ipv4.parse("10.5.0.1")));
    }
}
