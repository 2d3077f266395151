package io.virtio4j.tap;

import static io.virtio4j.api.feature.VirtioFeature.NET_CSUM;
import static io.virtio4j.api.feature.VirtioFeature.NET_CTRL_VQ;
import static io.virtio4j.api.feature.VirtioFeature.NET_GUEST_CSUM;
import static io.virtio4j.api.feature.VirtioFeature.NET_GUEST_TSO4;
import static io.virtio4j.api.feature.VirtioFeature.NET_HOST_TSO4;
import static io.virtio4j.api.feature.VirtioFeature.NET_MAC;
import static io.virtio4j.api.feature.VirtioFeature.NET_MQ;
import static io.virtio4j.api.feature.VirtioFeature.NET_MRG_RXBUF;
import static io.virtio4j.api.feature.VirtioFeature.RING_EVENT_IDX;
import static io.virtio4j.api.feature.VirtioFeature.VERSION_1;
import static io.virtio4j.spi.testing.MmioNetDriver.HEADER;
import static io.virtio4j.tap.testing.Frames.ETH;
import static io.virtio4j.tap.testing.Frames.L4;
import static io.virtio4j.tap.testing.Frames.TCP;
import static io.virtio4j.tap.testing.Frames.UDP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.spi.testing.MmioNetDriver;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.OffloadFrames;
import io.virtio4j.tap.testing.PingResponder;
import io.virtio4j.tap.testing.TapDeviceRig;
import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.tap.testing.TcpSynAck;
import io.virtio4j.tap.testing.WorkerAllocation;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

/**
 * Real-kernel tests through the whole device: {@link TapDeviceRig} (VirtioNetDevice + virtio-mmio +
 * the {@code tap:} backend by config string, driven by the in-process driver), the TAP in a
 * namespace with real sockets, ping, AF_PACKET and TCP on the other side.
 */
@NeedsKernel
class TapDeviceKernelTest extends KernelTestSupport {
    private static final MmioNetDriver.Shape PLAIN = new MmioNetDriver.Shape(1, 256, 2048, 2048);
    /** Small receive buffers: every frame above 1012 bytes spans several (MRG_RXBUF). */
    private static final MmioNetDriver.Shape SMALL_RX = new MmioNetDriver.Shape(1, 256, 1024, 1024);
    private static final int MSS = 1400;

    @Test
    void pingFromTheNamespaceIsAnsweredByTheGuestAfterArp() {
        Prerequisites.requireExecutable("ping", "install iputils-ping");
        try (TapDeviceRig rig = new TapDeviceRig("10.199.20", "", PLAIN, 1500, false)) {
            rig.start(VERSION_1, RING_EVENT_IDX, NET_MAC, NET_MRG_RXBUF);
            PingResponder responder = new PingResponder(TapDeviceRig.GUEST_MAC, rig.guestIp);
            Process ping = rig.ns.start("ping", "-c", "3", "-i", "0.2", "-W", "2", rig.guestIp);
            rig.receiveUntil(10_000, () -> !ping.isAlive(), (pair, frame, buffers) -> {
                int reply = responder.reply(frame.asSlice(HEADER), (int) frame.byteSize() - HEADER);
                if (reply > 0) {
                    rig.out.asSlice(0, HEADER).fill((byte) 0);
                    MemorySegment.copy(frame, HEADER, rig.out, HEADER, reply);
                    rig.send(pair, HEADER + reply);
                }
            });
            String output = NetNs.await(ping, 5);
            assertTrue(output.contains("3 received"), output);
            assertEquals(3, responder.echoReplies());
            assertTrue(responder.arpReplies() >= 1, "the namespace resolved the guest by ARP through the device");
            assertTrue(rig.ns.exec("ip", "neigh", "show", rig.guestIp).contains(TapDeviceRig.GUEST_MAC));
            assertEquals(0, rig.driver.badFrames());
        }
    }

    @Test
    void needsCsumFramesReachASocketWhileTheSameFramesWithoutTheFlagAreDroppedAsBadChecksums() {
        int count = 10;
        int payload = 300;
        try (TapDeviceRig rig = new TapDeviceRig("10.199.21", "", PLAIN, 1500, true)) {
            assertTrue(NET_CSUM.in(rig.start(VERSION_1, NET_CSUM)), "CSUM negotiated");
            Process receiver = rig.ns.startScript("udp_recv.py", rig.nsIp, 9100, count, payload, 2);
            assertEquals("READY", NetNs.readLine(receiver));
            long csumErrorsBefore = rig.ns.snmp("Udp", "InCsumErrors");
            for (int seq = 0; seq < 2 * count; seq++) {
                // The even ones carry the partial checksum without NEEDS_CSUM; a flagged one always comes last.
                boolean flagged = seq % 2 == 1;
                int length = OffloadFrames.partialChecksumUdp(rig.out, rig.out.asSlice(HEADER), rig.nsMac,
                        Frames.mac(TapDeviceRig.GUEST_MAC), Frames.ipv4(rig.guestIp), Frames.ipv4(rig.nsIp), 9100, payload,
                        flagged ? seq / 2 : count + seq, flagged);
                assertTrue(!Frames.l4ChecksumValid(rig.out.asSlice(HEADER)), "sent with an unfinished checksum");
                rig.send(0, HEADER + length);
            }
            String result = NetNs.await(receiver, 15);
            assertEquals(count, NetNs.field(result, "valid"), result);
            assertEquals(0, NetNs.field(result, "invalid"), result);
            assertEquals(count, rig.ns.snmp("Udp", "InCsumErrors") - csumErrorsBefore,
                    "without NEEDS_CSUM the kernel checked and dropped each one");
            assertEquals(2 * count, rig.backend.stats(0).txFrames());
        }
    }

    @Test
    void aTcpGsoSuperFrameFromTheGuestLeavesAsCheckedSegmentsOnTheWire() {
        int payload = 8000;
        int firstSeq = 1000;
        try (TapDeviceRig rig = new TapDeviceRig("10.199.22", "", PLAIN, 1500, true); TapFixture wire = new TapFixture(1)) {
            long negotiated = rig.start(VERSION_1, NET_CSUM, NET_HOST_TSO4);
            assertTrue(NET_HOST_TSO4.in(negotiated), "HOST_TSO4 negotiated");
            // The namespace forwards to 10.199.23.2 out of a second TAP that took no offloads
            // (TUNSETOFFLOAD 0), so the kernel segments and checksums in software before it; the
            // capture sees what leaves that TAP.
            rig.ns.exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
            rig.ns.configure(wire.name(), "10.199.23.1/24");
            rig.ns.neighbour("10.199.23.2", PEER_MAC, wire.name());
            int segments = (payload + MSS - 1) / MSS;
            Process capture = rig.ns.startScript("packet_capture.py", wire.name(), "out", Frames.PROTO_TCP, 6000, segments + 1, 2);
            assertEquals("READY", NetNs.readLine(capture));

            int length = OffloadFrames.tcpSuperFrame(rig.out, rig.out.asSlice(HEADER), rig.nsMac, Frames.mac(TapDeviceRig.GUEST_MAC),
                    Frames.ipv4(rig.guestIp), Frames.ipv4("10.199.23.2"), 5000, 6000, firstSeq, payload, MSS);
            byte[] sent = rig.out.asSlice(HEADER + L4 + TCP, payload).toArray(ValueLayout.JAVA_BYTE);
            rig.send(0, HEADER + length);

            List<MemorySegment> frames = capturedFrames(NetNs.await(capture, 15));
            assertEquals(segments, frames.size(), "one frame per MSS");
            int offset = 0;
            for (MemorySegment g : frames) {
                int size = Math.min(MSS, payload - offset);
                assertEquals(L4 + TCP + size, g.byteSize(), "segment at " + offset);
                assertEquals(Frames.IP + TCP + size, Frames.u16(g, ETH + 2));
                assertTrue(Frames.ipv4ChecksumValid(g), "IP checksum at " + offset);
                assertTrue(Frames.l4ChecksumValid(g), "TCP checksum at " + offset);
                assertEquals(firstSeq + offset, Frames.u32(g, L4 + 4), "sequence number");
                assertEquals(63, Frames.u8(g, ETH + 8), "forwarded once");
                assertArrayEquals(java.util.Arrays.copyOfRange(sent, offset, offset + size),
                        g.asSlice(L4 + TCP, size).toArray(ValueLayout.JAVA_BYTE), "payload at " + offset);
                offset += size;
            }
            assertEquals(payload, offset);
            assertEquals(1, rig.backend.stats(0).txFrames(), "one super-frame through the device");
        }
    }

    @Test
    void withGuestTso4TcpFromTheNamespaceArrivesAsSuperFramesSpreadOverSmallMergeableBuffers() {
        int port = 9300;
        int mss = 1460;
        try (TapDeviceRig rig = new TapDeviceRig("10.199.24", "", SMALL_RX, 1500, true)) {
            long negotiated = rig.start(VERSION_1, RING_EVENT_IDX, NET_MRG_RXBUF, NET_GUEST_CSUM, NET_GUEST_TSO4);
            assertTrue(NET_GUEST_TSO4.in(negotiated) && NET_MRG_RXBUF.in(negotiated));
            Process client = rig.ns.startScript("tcp_send.py", rig.guestIp, port, 65536, 2);
            int[] clientIsn = {0};
            boolean[] synSeen = {false};
            int[] superFrames = {0};
            int[] largest = {0};
            List<String> problems = new ArrayList<>();
            rig.receiveUntil(10_000, () -> superFrames[0] >= 1, (pair, frame, buffers) -> {
                MemorySegment f = frame.asSlice(HEADER);
                int length = (int) f.byteSize();
                if (!synSeen[0] && TcpSynAck.tcpTo(f, length, port, TcpSynAck.SYN)) {
                    synSeen[0] = true;
                    clientIsn[0] = Frames.u32(f, L4 + 4);
                    int reply = TcpSynAck.answer(f, rig.nsMac, Frames.mac(TapDeviceRig.GUEST_MAC), Frames.ipv4(rig.guestIp),
                            Frames.ipv4(rig.nsIp), port, mss);
                    rig.out.asSlice(0, HEADER).fill((byte) 0);
                    MemorySegment.copy(f, 0, rig.out, HEADER, reply);
                    rig.send(pair, HEADER + reply);
                    return;
                }
                VirtioNetHeader header = new VirtioNetHeader().wrap(frame, 0);
                if (!TcpSynAck.tcpTo(f, length, port, TcpSynAck.ACK) || header.gsoType() != VirtioNetHeader.GSO_TCPV4) {
                    return;
                }
                superFrames[0]++;
                largest[0] = Math.max(largest[0], length);
                int data = length - L4 - TCP;
                int expectedBuffers = (HEADER + length + SMALL_RX.rxBufferSize() - 1) / SMALL_RX.rxBufferSize();
                if (header.gsoSize() != mss || (header.flags() & VirtioNetHeader.F_NEEDS_CSUM) == 0
                        || header.csumStart() != L4 || header.csumOffset() != 16 || data <= mss || buffers != expectedBuffers) {
                    problems.add("header " + header.gsoSize() + "/" + header.flags() + "/" + header.csumStart() + "/"
                            + header.csumOffset() + ", " + data + " data bytes in " + buffers + " buffers");
                }
                // tcp_send.py's stream: byte i is (i * 7) & 0xff.
                long streamOffset = Integer.toUnsignedLong(Frames.u32(f, L4 + 4) - clientIsn[0] - 1);
                for (int i = 0; i < data; i++) {
                    if (f.get(ValueLayout.JAVA_BYTE, L4 + TCP + i) != (byte) ((streamOffset + i) * 7)) {
                        problems.add("stream byte " + (streamOffset + i));
                        break;
                    }
                }
            });
            assertTrue(synSeen[0], "the SYN reached the guest");
            assertTrue(superFrames[0] > 0, "a TSO super-frame reached the guest");
            assertEquals(List.of(), problems);
            assertTrue(largest[0] > SMALL_RX.rxBufferSize(), "spread over several buffers: " + largest[0]);
            assertTrue(NetNs.field(NetNs.await(client, 10), "queued") > 0);
            assertTrue(rig.backend.stats(0).rxBuffers() > rig.backend.stats(0).rxFrames(), "merged frames counted");
        }
    }

    @Test
    void jumboFramesCrossTheDeviceBothWaysOverSmallBuffersAndMultiDescriptorChains() {
        int count = 200;
        int payload = 8900;
        try (TapDeviceRig rig = new TapDeviceRig("10.199.25", "", SMALL_RX, 9000, true)) {
            rig.start(VERSION_1, RING_EVENT_IDX, NET_MRG_RXBUF);
            NetNs.await(rig.ns.startScript("udp_send.py", rig.guestIp, 9500, count, payload), 15);
            BitSet seen = new BitSet(count);
            int[] bad = {0};
            int buffersPerFrame = (HEADER + L4 + UDP + payload + SMALL_RX.rxBufferSize() - 1) / SMALL_RX.rxBufferSize();
            rig.receiveUntil(10_000, () -> seen.cardinality() == count, (pair, frame, buffers) -> {
                MemorySegment f = frame.asSlice(HEADER);
                if (!Frames.isUdpTo(f, (int) f.byteSize(), 9500)) {
                    return;
                }
                long seq = Frames.sequence(f, L4 + UDP);
                if (f.byteSize() == L4 + UDP + payload && buffers == buffersPerFrame && seq >= 0 && seq < count
                        && Frames.payloadMatches(f, L4 + UDP, payload, seq)) {
                    seen.set((int) seq);
                } else {
                    bad[0]++;
                }
            });
            assertEquals(count, seen.cardinality(), "every 9 KB frame, over " + buffersPerFrame + " buffers each");
            assertEquals(0, bad[0]);
            assertEquals(0, rig.backend.stats(0).rxTruncated());

            // Guest -> namespace: each frame is a chain of 9 transmit descriptors.
            Process receiver = rig.ns.startScript("udp_recv.py", rig.nsIp, 9501, count, payload, 3);
            assertEquals("READY", NetNs.readLine(receiver));
            for (int seq = 0; seq < count; seq++) {
                rig.send(0, rig.udpToNamespace(9501, payload, seq));
            }
            String result = NetNs.await(receiver, 15);
            assertEquals(count, NetNs.field(result, "valid"), result);
        }
    }

    @Test
    void twoQueuePairsSetThroughTheControlQueueCarryTrafficOnBothAndOnePairAfterwardsTakesEveryFlow() {
        int count = 400;
        MmioNetDriver.Shape shape = new MmioNetDriver.Shape(2, 256, 2048, 2048);
        try (TapDeviceRig rig = new TapDeviceRig("10.199.26", ",queues=2", shape, 1500, true)) {
            long negotiated = rig.start(VERSION_1, RING_EVENT_IDX, NET_MRG_RXBUF, NET_MQ, NET_CTRL_VQ);
            assertTrue(NET_MQ.in(negotiated));
            assertEquals(2, rig.driver.pairs());
            assertEquals(0, rig.driver.setQueuePairs(2), "VIRTIO_NET_OK for VQ_PAIRS_SET 2");
            assertEquals(2, rig.device.controlState().activeQueuePairs());

            // 32 flows: the kernel hashes them over both TAP queues.
            NetNs.await(rig.ns.startScript("udp_send.py", rig.guestIp, 9600, count, 100, 32), 15);
            BitSet seen = new BitSet(count);
            int[] perPair = new int[2];
            rig.receiveUntil(10_000, () -> seen.cardinality() == count, (pair, frame, buffers) -> {
                MemorySegment f = frame.asSlice(HEADER);
                if (Frames.isUdpTo(f, (int) f.byteSize(), 9600) && Frames.payloadMatches(f, L4 + UDP, 100, Frames.sequence(f, L4 + UDP))) {
                    seen.set((int) Frames.sequence(f, L4 + UDP));
                    perPair[pair]++;
                }
            });
            assertEquals(count, seen.cardinality(), perPair[0] + "/" + perPair[1] + " " + rig.backend.stats(0) + " | " + rig.backend.stats(1)
                    + " | " + rig.backend.queueStats(0) + " | " + rig.backend.queueStats(1) + " bad " + rig.driver.badFrames());
            assertTrue(perPair[0] > 0 && perPair[1] > 0, "both receive queues used: " + perPair[0] + "/" + perPair[1]);

            Process receiver = rig.ns.startScript("udp_recv.py", rig.nsIp, 9601, 200, 100, 3);
            assertEquals("READY", NetNs.readLine(receiver));
            for (int seq = 0; seq < 200; seq++) {
                rig.send(seq % 2, rig.udpToNamespace(9601, 100, seq));
            }
            assertEquals(200, NetNs.field(NetNs.await(receiver, 15), "valid"));
            assertEquals(100, rig.backend.stats(0).txFrames());
            assertEquals(100, rig.backend.stats(1).txFrames());
            assertTrue(rig.backend.stats(1).rxFrames() >= perPair[1], "pair 1's worker delivered them");

            // Back to one pair: every flow must now reach rx0 (the TAP's second queue is detached).
            assertEquals(0, rig.driver.setQueuePairs(1), "VIRTIO_NET_OK for VQ_PAIRS_SET 1");
            long pair1Before = rig.backend.stats(1).rxFrames();
            NetNs.await(rig.ns.startScript("udp_send.py", rig.guestIp, 9602, count, 100, 32), 15);
            BitSet again = new BitSet(count);
            int[] onPair1 = {0};
            rig.receiveUntil(10_000, () -> again.cardinality() == count, (pair, frame, buffers) -> {
                MemorySegment f = frame.asSlice(HEADER);
                if (Frames.isUdpTo(f, (int) f.byteSize(), 9602)) {
                    again.set((int) Frames.sequence(f, L4 + UDP));
                    onPair1[0] += pair;
                }
            });
            assertEquals(count, again.cardinality(), "no flow lost after shrinking to one pair");
            assertEquals(0, onPair1[0], "nothing delivered on rx1");
            assertEquals(pair1Before, rig.backend.stats(1).rxFrames());
        }
    }

    @Test
    void aHundredMegabytesOfUdpEachWayEveryDatagramAccountedForAndNoAllocationPerFrameOnTheWorker() {
        int count = 75_000; // x 1400 B = 105 MB of payload each way
        int payload = 1400;
        long window = 4096;
        try (TapDeviceRig rig = new TapDeviceRig("10.199.27", "", SMALL_RX, 1500, true)) {
            rig.start(VERSION_1, RING_EVENT_IDX, NET_MRG_RXBUF);
            WorkerAllocation txAllocation = new WorkerAllocation(WorkerAllocation.named("tap-" + rig.ifname + "-q0"), window);
            WorkerAllocation rxAllocation = new WorkerAllocation(WorkerAllocation.named("tap-" + rig.ifname + "-q0"), window);
            TapDataPathStats stats = rig.backend.stats(0);

            // Guest -> namespace: every frame a chain of two 1 KiB transmit buffers.
            Process receiver = rig.ns.startScript("udp_recv.py", rig.nsIp, 9700, count, payload, 3);
            assertEquals("READY", NetNs.readLine(receiver));
            long start = System.nanoTime();
            for (int seq = 0; seq < count; seq++) {
                rig.send(0, rig.udpToNamespace(9700, payload, seq));
                txAllocation.sample(stats.txFrames());
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (stats.txFrames() + stats.txTapFull() < count && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            double txSeconds = (System.nanoTime() - start) / 1e9;
            String result = NetNs.await(receiver, 30);
            long valid = NetNs.field(result, "valid");
            long rcvbufErrors = NetNs.field(result, "rcvbuf_errors");
            System.out.printf("device guest->TAP: %d frames in %.2f s (%.0f/s); socket got %d, rcvbuf drops %d, TAP full %d;"
                    + " worker allocated at least %d B per %d frames%n", stats.txFrames(), txSeconds, stats.txFrames() / txSeconds,
                    valid, rcvbufErrors, stats.txTapFull(), txAllocation.least(), window);
            assertEquals(0, NetNs.field(result, "invalid"), result);
            assertEquals(0, NetNs.field(result, "duplicates"), result);
            assertEquals(0, stats.txBadChains());
            assertEquals(count, stats.txFrames() + stats.txTapFull(), "every chain written or counted as dropped");
            assertEquals(stats.txFrames(), valid + rcvbufErrors, "missing datagrams are exactly the socket's drops: " + result);

            // Namespace -> guest: every frame over two 1 KiB mergeable buffers.
            Frames.compilePayloadCheck(payload);
            BitSet seen = new BitSet(count);
            int[] bad = {0};
            int[] split = {0};
            start = System.nanoTime();
            Process sender = rig.ns.startScript("udp_send.py", rig.guestIp, 9701, count, payload);
            long[] idleSince = {System.nanoTime()};
            rig.receiveUntil(120_000, () -> seen.cardinality() == count
                    || !sender.isAlive() && System.nanoTime() - idleSince[0] > 1_000_000_000L, (pair, frame, buffers) -> {
                idleSince[0] = System.nanoTime();
                rxAllocation.sample(stats.rxFrames());
                MemorySegment f = frame.asSlice(HEADER);
                if (!Frames.isUdpTo(f, (int) f.byteSize(), 9701)) {
                    return;
                }
                long seq = Frames.sequence(f, L4 + UDP);
                if (f.byteSize() == L4 + UDP + payload && seq >= 0 && seq < count && !seen.get((int) seq)
                        && Frames.payloadMatches(f, L4 + UDP, payload, seq)) {
                    seen.set((int) seq);
                    split[0] += buffers > 1 ? 1 : 0;
                } else {
                    bad[0]++;
                }
            });
            double rxSeconds = (System.nanoTime() - start) / 1e9;
            assertEquals(count, NetNs.field(NetNs.await(sender, 30), "sent"));
            long tapDrops = rig.ns.statistic(rig.ifname, "tx_dropped");
            System.out.printf("device TAP->guest: %d of %d frames in %.2f s (%.0f/s); TAP tx_dropped %d;"
                    + " worker allocated at least %d B per %d frames (%d windows)%n", seen.cardinality(), count, rxSeconds,
                    seen.cardinality() / rxSeconds, tapDrops, rxAllocation.least(), window, rxAllocation.windows());
            assertEquals(0, bad[0], "corrupted or duplicated frames");
            assertEquals(seen.cardinality(), split[0], "every 1442-byte frame spans two 1 KiB buffers");
            assertEquals(0, stats.rxTruncated());
            // UDP has no flow control: what the guest did not get, the TAP's queue dropped (and counted).
            assertEquals(count, seen.cardinality() + tapDrops, "every datagram received or counted as a TAP drop");
            assertTrue(seen.cardinality() > 10_000, "more delivered than the TAP queue can hold: " + seen.cardinality());
            // The receive path allocates nothing per frame once compiled: its best window of 4096
            // frames allocated less than one byte a frame (measured: 0 after about 30,000 frames).
            // On a loaded machine C2 may finish later: up to four more rounds let it reach steady state.
            for (int round = 0; round < 4 && rxAllocation.least() >= window; round++) {
                keepReceiving(rig, rxAllocation, 30_000);
            }
            assertTrue(rxAllocation.least() < window, "receive: " + rxAllocation.least() + " B per " + window + " frames");
            // Transmit with one kick per frame (this driver's pattern) does five downcalls a frame; C2
            // does not always remove every capture-state slice there (measured 1.5..42 B a frame), but
            // nothing frame-sized: a buffer or copy per frame would be >= 1 KB.
            assertTrue(txAllocation.least() < 64 * window, "transmit: " + txAllocation.least() + " B per " + window + " frames");
        }
    }

    @Test
    void aRingSmallerThanTheLargestFrameStillReceivesAndCountsWhatItCannotHoldAsTruncated() {
        // 16 buffers of 1 KiB: the whole ring holds 16 KiB, less than a 64 KiB GSO super-frame.
        MmioNetDriver.Shape tiny = new MmioNetDriver.Shape(1, 16, 1024, 2048);
        int port = 9400;
        // MTU 9000 and MSS 8960: the sender's initial window (10 segments) makes super-frames far above 16 KiB.
        try (TapDeviceRig rig = new TapDeviceRig("10.199.28", "", tiny, 9000, true)) {
            rig.start(VERSION_1, NET_MRG_RXBUF, NET_GUEST_CSUM, NET_GUEST_TSO4);
            Process client = rig.ns.startScript("tcp_send.py", rig.guestIp, port, 65536, 3);
            boolean[] synSeen = {false};
            int[] largest = {0};
            rig.receiveUntil(10_000, () -> rig.backend.stats(0).rxTruncated() > 0, (pair, frame, buffers) -> {
                MemorySegment f = frame.asSlice(HEADER);
                largest[0] = Math.max(largest[0], (int) f.byteSize());
                if (!synSeen[0] && TcpSynAck.tcpTo(f, (int) f.byteSize(), port, TcpSynAck.SYN)) {
                    synSeen[0] = true;
                    int reply = TcpSynAck.answer(f, rig.nsMac, Frames.mac(TapDeviceRig.GUEST_MAC), Frames.ipv4(rig.guestIp),
                            Frames.ipv4(rig.nsIp), port, 8960);
                    rig.out.asSlice(0, HEADER).fill((byte) 0);
                    MemorySegment.copy(f, 0, rig.out, HEADER, reply);
                    rig.send(pair, HEADER + reply);
                }
            });
            assertTrue(synSeen[0], "small frames still arrive: the receiver reads once the whole ring is held");
            assertTrue(rig.backend.stats(0).rxTruncated() > 0, "super-frames longer than the ring are counted, not delivered cut: " + rig.backend.stats(0) + " largest " + largest[0]);
            assertTrue(largest[0] <= 16 * 1024 - HEADER, "nothing longer than the ring reached the driver: " + largest[0]);
            assertEquals(0, rig.driver.badFrames());
            NetNs.await(client, 10);
        }
    }

    /** Sends {@code count} more datagrams to the guest and receives them, sampling the worker's allocation. */
    private static void keepReceiving(TapDeviceRig rig, WorkerAllocation allocation, int count) {
        TapDataPathStats stats = rig.backend.stats(0);
        long target = stats.rxFrames() + count;
        Process sender = rig.ns.startScript("udp_send.py", rig.guestIp, 9702, count, 1400);
        // Until all arrived or the sender is done (what the TAP dropped does not come).
        rig.receiveUntil(60_000, () -> stats.rxFrames() >= target || !sender.isAlive(),
                (pair, frame, buffers) -> allocation.sample(stats.rxFrames()));
        NetNs.await(sender, 30);
    }

    private static List<MemorySegment> capturedFrames(String output) {
        List<MemorySegment> frames = new ArrayList<>();
        for (String line : output.lines().toList()) {
            if (line.startsWith("frame ")) {
                frames.add(MemorySegment.ofArray(HexFormat.of().parseHex(line.substring(6))));
            }
        }
        return frames;
    }
}
