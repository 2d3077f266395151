package io.virtio4j.ovs.l3;

import java.lang.foreign.MemorySegment;

import io.virtio4j.ovs.packet.Arp;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.HeaderWriter;
import io.virtio4j.ovs.packet.ParsedFrame;

/**
 * Answers ARP requests for a gateway address (as OVN's ARP responder flows do): the reply goes
 * back to the asker, unicast, untagged (the executor tags it for a trunk), padded to 60 bytes.
 */
public final class ArpResponder {
    /** Bytes of an ARP reply before padding: Ethernet + ARP. */
    public static final int LENGTH = Ethernet.HEADER_LENGTH + Arp.LENGTH;

    private ArpResponder() {
    }

    /**
     * Writes the reply to the parsed ARP request into {@code out} as {@code gatewayIp} at
     * {@code gatewayMac}; returns its length, or 0 if the frame is not a request that deserves one
     * (not a request, or from a zero/multicast sender, which would make the reply a broadcast).
     */
    public static int reply(ParsedFrame request, int gatewayIp, long gatewayMac, MemorySegment out) {
        long asker = request.arpSenderMac();
        if (request.arpOperation() != Arp.OP_REQUEST || asker == 0 || Ethernet.isMulticast(asker)
                || request.arpTargetIp() != gatewayIp) {
            return 0;
        }
        // In bounds: out is a Verdict reply buffer of 128 bytes; the reply needs 60.
        return HeaderWriter.arp(out, asker, Arp.OP_REPLY, gatewayMac, gatewayIp, asker, request.arpSenderIp());
    }
}
