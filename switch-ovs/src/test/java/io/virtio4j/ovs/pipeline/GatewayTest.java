package io.virtio4j.ovs.pipeline;

import static io.virtio4j.ovs.testing.Lab.GW10;
import static io.virtio4j.ovs.testing.Lab.GW10_MAC;
import static io.virtio4j.ovs.testing.Lab.GW20;
import static io.virtio4j.ovs.testing.Lab.GW20_MAC;
import static io.virtio4j.ovs.testing.Lab.H1;
import static io.virtio4j.ovs.testing.Lab.H1_IP;
import static io.virtio4j.ovs.testing.Lab.arpRequest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.l3.NeighbourEntry;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.testing.Lab;

/** The switch answering as the gateway in ovs-only mode. */
class GatewayTest {
    private final Lab lab = new Lab(L3Mode.OVS_ONLY);

    @Test
    void answersArpForItsGatewayAddressByteForByte() {
        lab.send(0, arpRequest(H1, H1_IP, GW10, 0));
        assertEquals(DropReason.NONE, lab.verdict.drop());
        assertEquals(0, lab.verdict.outputCount(), "the request is consumed, not flooded");
        assertEquals(10, lab.verdict.egressVlan());
        byte[] expected = HexFormat.of().parseHex(
                "525400000001" + "020000000101" + "0806"            // to H1, from the gateway MAC, ARP
                + "0001" + "0800" + "06" + "04" + "0002"          // Ethernet/IPv4, reply
                + "020000000101" + "0a000101"                     // sender: gateway MAC, 10.0.1.1
                + "525400000001" + "0a00010a"                     // target: H1, 10.0.1.10
                + "000000000000000000000000000000000000");        // padding to 60 bytes
        assertArrayEquals(expected, Frames.reply(lab.verdict));
        assertEquals(1, lab.pipeline.counter(PipelineCounter.ARP_REPLIES));
        assertTrue(lab.pipeline.neighbours(lab.now).contains(new NeighbourEntry(10, H1_IP, H1, false)),
                "the asker is learned as a neighbour");
    }

    @Test
    void answersArpArrivingTaggedOnATrunkForThatVlansGateway() {
        int host = Ipv4.parse("10.0.2.50");
        lab.send(4, arpRequest(Lab.H3, host, GW20, 20));
        assertEquals(60, lab.verdict.replyLength());
        assertEquals(20, lab.verdict.egressVlan(), "the executor tags the reply for the trunk");
        byte[] reply = Frames.reply(lab.verdict);
        assertEquals(GW20_MAC, Frames.mac(reply, 6));
        assertEquals(GW20_MAC, Frames.mac(reply, 14 + 8));
        assertEquals(Lab.H3, Frames.mac(reply, 0));
    }

    @Test
    void arpForAnotherVlansGatewayOrForAHostIsSwitchedNotAnswered() {
        lab.send(0, arpRequest(H1, H1_IP, GW20, 0));
        assertEquals(0, lab.verdict.replyLength(), "10.0.2.1 is not on VLAN 10");
        assertEquals(List.of(1, 4), lab.outputs());
        lab.send(0, arpRequest(H1, H1_IP, Ipv4.parse("10.0.1.99"), 0));
        assertEquals(0, lab.verdict.replyLength());
        assertEquals(List.of(1, 4), lab.outputs());
    }

    @Test
    void anArpReplyToTheGatewayIsAbsorbed() {
        lab.send(0, Frames.ethernet(GW10_MAC, H1, 0, 0x0806, Frames.arp(2, H1, H1_IP, GW10_MAC, GW10)));
        assertEquals(DropReason.TO_GATEWAY, lab.verdict.drop());
        assertEquals(0, lab.verdict.replyLength());
    }

    @Test
    void answersPingsOfEitherGatewayAddress() {
        for (int target : new int[] {GW10, GW20}) {
            byte[] request = Lab.ping(GW10_MAC, H1, 0, H1_IP, target, 64);
            lab.send(0, request);
            assertEquals(DropReason.NONE, lab.verdict.drop());
            assertEquals(0, lab.verdict.outputCount());
            byte[] reply = Frames.reply(lab.verdict);
            MemorySegment r = MemorySegment.ofArray(reply);
            assertEquals(H1, Frames.mac(reply, 0));
            assertEquals(GW10_MAC, Frames.mac(reply, 6));
            assertEquals(target, NetworkOrder.u32(r, 14 + 12));
            assertEquals(H1_IP, NetworkOrder.u32(r, 14 + 16));
            assertTrue(Checksum.verify(r, 14, 20));
            int icmpLength = request.length - 34;
            assertEquals(0, NetworkOrder.u8(r, 34), "echo reply");
            assertTrue(Checksum.verify(r, 34, icmpLength));
            assertArrayEquals(java.util.Arrays.copyOfRange(request, 38, request.length),
                    java.util.Arrays.copyOfRange(reply, 38, 34 + icmpLength), "identifier, sequence and data echoed");
        }
        assertEquals(2, lab.pipeline.counter(PipelineCounter.ECHO_REPLIES));
    }

    @Test
    void pingsLargerThanTheCapturedHeaderAndOtherIpToTheGatewayAreDropped() {
        byte[] standard = Frames.ethernet(GW10_MAC, H1, 0, 0x0800,
                Frames.ipv4(H1_IP, GW10, 64, 1, Frames.icmp(8, 0, 1, new byte[56])));
        lab.send(0, standard);
        assertEquals(98, lab.verdict.replyLength(), "ping's default 56 data bytes fit the captured header: answered whole");
        byte[] big = Frames.ethernet(GW10_MAC, H1, 0, 0x0800,
                Frames.ipv4(H1_IP, GW10, 64, 1, Frames.icmp(8, 0, 1, new byte[FramePipeline.HEADER_BYTES])));
        lab.send(0, big);
        assertEquals(DropReason.TO_GATEWAY, lab.verdict.drop());
        byte[] udp = Frames.ethernet(GW10_MAC, H1, 0, 0x0800, Frames.ipv4(H1_IP, GW10, 64, 17, new byte[12]));
        lab.send(0, udp);
        assertEquals(DropReason.TO_GATEWAY, lab.verdict.drop());
        byte[] badChecksum = Lab.ping(GW10_MAC, H1, 0, H1_IP, GW10, 64);
        badChecksum[36] ^= 0x55;
        lab.send(0, badChecksum);
        assertEquals(DropReason.TO_GATEWAY, lab.verdict.drop(), "a corrupt echo request is not answered");
        assertEquals(3, lab.pipeline.drops(DropReason.TO_GATEWAY));
    }
}
