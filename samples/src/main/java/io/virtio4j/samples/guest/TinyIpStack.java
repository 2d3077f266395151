package io.virtio4j.samples.guest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import io.virtio4j.ovs.l3.ArpResponder;
import io.virtio4j.ovs.l3.IcmpResponder;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.packet.Arp;
import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.HeaderWriter;
import io.virtio4j.ovs.packet.Icmp;
import io.virtio4j.ovs.packet.Ipv4Header;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.packet.ParsedFrame;
import io.virtio4j.spi.net.MacAddress;

/**
 * The IPv4 stack of a demo guest: one address on one subnet with a default gateway. It answers
 * ARP requests and ICMP echo requests for its address, learns neighbours from ARP replies, and
 * builds ARP and echo requests. Parsing and the answers reuse the switch's packet code
 * ({@link ParsedFrame}, {@link ArpResponder}, {@link IcmpResponder}), so a guest and the switch's
 * gateway speak exactly the same frames.
 *
 * <p>Not thread-safe: the thread that drives the guest's NIC feeds it. Frames it does not
 * understand are counted, never trusted: the parser checks every length before a field is read.
 */
public final class TinyIpStack {
    /** ICMP echo identifier of our pings. */
    public static final int ECHO_ID = 0x7634;
    /** ICMP echo data bytes, as ping(8) sends by default. */
    public static final int ECHO_DATA = 56;
    /** Largest frame this stack builds or answers: an Ethernet frame without FCS. */
    public static final int MAX_FRAME = 1514;

    private final String name;
    private final long mac;
    private final int ip;
    private final Ipv4Prefix subnet;
    private final int gateway;
    private final ParsedFrame parsed = new ParsedFrame();
    private final MemorySegment reply = Arena.ofAuto().allocate(MAX_FRAME);
    private final Map<Integer, Long> neighbours = new HashMap<>();
    private final Map<Long, Long> framesBySource = new HashMap<>();
    private long framesReceived;
    private long malformed;
    private long echoRequestsAnswered;
    private int lastEchoRequestTtl = -1;
    private long lastEchoRequestSource;
    private EchoReply lastReply;
    private int pendingSeq = -1;
    private long pendingSentNanos;

    /** What came back for the last echo request we sent. */
    public record EchoReply(int seq, long roundTripNanos, int ttl, long sourceMac, int sourceIp) {
    }

    /**
     * @param name    shown in the demo's lines (e.g. {@code vm1})
     * @param mac     our unicast MAC
     * @param ip      our address, inside {@code subnet}
     * @param subnet  the connected network
     * @param gateway the default gateway, inside {@code subnet}
     */
    public TinyIpStack(String name, long mac, int ip, Ipv4Prefix subnet, int gateway) {
        if (MacAddress.isMulticast(mac) || !subnet.contains(ip) || !subnet.contains(gateway)) {
            throw new IllegalArgumentException(name + ": MAC must be unicast and " + Ipv4.format(ip) + " and gateway "
                    + Ipv4.format(gateway) + " must lie in " + subnet);
        }
        this.name = name;
        this.mac = mac;
        this.ip = ip;
        this.subnet = subnet;
        this.gateway = gateway;
    }

    /**
     * Handles one received Ethernet frame (no virtio-net header): answers it through {@code out}
     * if it is an ARP or echo request for us, learns from ARP replies, records echo replies.
     */
    public void receive(MemorySegment frame, FrameOut out) {
        framesReceived++;
        int length = (int) Math.min(frame.byteSize(), MAX_FRAME);
        // The whole frame is the "header": the parser then sees every IPv4 byte and may echo them.
        if (!parsed.parse(frame, length, length)) {
            malformed++;
            return;
        }
        framesBySource.merge(parsed.ethSource(), 1L, Long::sum);
        if (parsed.isArp()) {
            onArp(out);
        } else if (parsed.isIpv4() && parsed.networkDestination() == ip && parsed.ipProtocol() == Ipv4Header.PROTOCOL_ICMP) {
            onIcmp(frame, out);
        }
    }

    private void onArp(FrameOut out) {
        if (parsed.arpOperation() == Arp.OP_REPLY && parsed.arpTargetIp() == ip && subnet.contains(parsed.arpSenderIp())
                && !MacAddress.isMulticast(parsed.arpSenderMac())) {
            neighbours.put(parsed.arpSenderIp(), parsed.arpSenderMac());
            return;
        }
        int n = ArpResponder.reply(parsed, ip, mac, reply);
        if (n > 0) {
            // An asker on our subnet is a neighbour too, as Linux learns from requests addressed to it.
            if (subnet.contains(parsed.arpSenderIp())) {
                neighbours.put(parsed.arpSenderIp(), parsed.arpSenderMac());
            }
            out.send(reply, n);
        }
    }

    private void onIcmp(MemorySegment frame, FrameOut out) {
        if (parsed.icmpType() == Icmp.TYPE_ECHO_REQUEST) {
            int n = IcmpResponder.echoReply(frame, parsed, mac, reply);
            if (n > 0) {
                lastEchoRequestTtl = parsed.ttl();
                lastEchoRequestSource = parsed.ethSource();
                echoRequestsAnswered++;
                out.send(reply, n);
            }
        } else if (parsed.icmpType() == Icmp.TYPE_ECHO_REPLY && parsed.ipPacketCaptured()) {
            int icmp = parsed.l3Offset() + parsed.ipHeaderLength();
            // In bounds: ipPacketCaptured() says the whole packet, ICMP header included, lies in the frame.
            int id = NetworkOrder.u16(frame, icmp + Icmp.REST);
            int seq = NetworkOrder.u16(frame, icmp + Icmp.REST + 2);
            if (id == ECHO_ID && seq == pendingSeq) {
                lastReply = new EchoReply(seq, System.nanoTime() - pendingSentNanos, parsed.ttl(), parsed.ethSource(), parsed.ipSource());
                pendingSeq = -1;
            }
        }
    }

    /** Writes an ARP request for {@code target} (broadcast) into {@code out}; returns its length. */
    public int arpRequest(int target, MemorySegment out) {
        // In bounds: out holds at least MIN_FRAME (60) bytes, checked by the segment on every store.
        return HeaderWriter.arp(out, MacAddress.BROADCAST, Arp.OP_REQUEST, mac, ip, 0, target);
    }

    /**
     * Writes an echo request with sequence {@code seq} to {@code target} via {@code nextHopMac}
     * into {@code out} and starts its round-trip clock; returns its length.
     */
    public int echoRequest(long nextHopMac, int target, int seq, MemorySegment out) {
        int icmpLength = Icmp.HEADER_LENGTH + ECHO_DATA;
        // In bounds: 14 + 20 + 64 = 98 bytes, within MAX_FRAME that callers allocate; the segment checks each store.
        int l3 = HeaderWriter.ethernet(out, nextHopMac, mac, Ethernet.TYPE_IPV4);
        int icmp = HeaderWriter.ipv4(out, l3, Ipv4Header.MIN_LENGTH + icmpLength, Ipv4Header.PROTOCOL_ICMP, ip, target);
        NetworkOrder.putU8(out, icmp + Icmp.TYPE, Icmp.TYPE_ECHO_REQUEST);
        NetworkOrder.putU8(out, icmp + Icmp.CODE, 0);
        NetworkOrder.putU16(out, icmp + Icmp.CHECKSUM, 0);
        NetworkOrder.putU16(out, icmp + Icmp.REST, ECHO_ID);
        NetworkOrder.putU16(out, icmp + Icmp.REST + 2, seq);
        for (int i = 0; i < ECHO_DATA; i++) {
            NetworkOrder.putU8(out, icmp + Icmp.HEADER_LENGTH + i, (seq + i) & 0xff);
        }
        NetworkOrder.putU16(out, icmp + Icmp.CHECKSUM, Checksum.compute(out, icmp, icmpLength));
        pendingSeq = seq;
        pendingSentNanos = System.nanoTime();
        return icmp + icmpLength;
    }

    /** The MAC frames to {@code target} go to: the target's on our subnet, else the gateway's; 0 if not yet resolved. */
    public long nextHopMac(int target) {
        return neighbours.getOrDefault(nextHop(target), 0L);
    }

    /** {@code target} itself on our subnet, else the gateway. */
    public int nextHop(int target) {
        return subnet.contains(target) ? target : gateway;
    }

    /** The MAC learned for {@code neighbourIp}, or 0. */
    public long neighbour(int neighbourIp) {
        return neighbours.getOrDefault(neighbourIp, 0L);
    }

    /** The reply to the last echo request, or null while it is outstanding. */
    public EchoReply lastReply() {
        return lastReply;
    }

    /** The TTL of the last echo request we answered (-1: none yet): what the sender's packet arrived with. */
    public int lastEchoRequestTtl() {
        return lastEchoRequestTtl;
    }

    /** The Ethernet source of the last echo request we answered: the sender's MAC, or the router's if routed. */
    public long lastEchoRequestSource() {
        return lastEchoRequestSource;
    }

    public long echoRequestsAnswered() {
        return echoRequestsAnswered;
    }

    public long framesReceived() {
        return framesReceived;
    }

    /** Frames received whose Ethernet source was {@code sourceMac}. */
    public long framesFrom(long sourceMac) {
        return framesBySource.getOrDefault(sourceMac, 0L);
    }

    /** Frames the parser refused. */
    public long malformed() {
        return malformed;
    }

    public String name() {
        return name;
    }

    public long mac() {
        return mac;
    }

    public int ip() {
        return ip;
    }

    public int gateway() {
        return gateway;
    }

    @Override
    public String toString() {
        return name + " (" + Ipv4.format(ip) + ", " + MacAddress.format(mac) + ")";
    }
}
