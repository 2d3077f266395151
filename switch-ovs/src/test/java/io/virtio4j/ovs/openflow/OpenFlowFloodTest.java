package io.virtio4j.ovs.openflow;

import static io.virtio4j.ovs.openflow.FlowModBytes.output;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.InProcessSwitchTestAccess;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.testing.OfWire;
import io.virtio4j.testing.Slow;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/**
 * A controller at its worst, over a real socket to the agent of a running switch: 100,002
 * FLOW_MODs (the table holds 100,000 flows with the default one: the last three get TABLE_FULL)
 * mixed with messages of wrong lengths, an unknown type, impossible matches and table ids out of
 * range. Each bad one gets its ERROR and is counted, the good ones are all installed, the
 * connection is still served, and frames between two other ports flow without a loss all along.
 * Slow by design (seconds: 100,000 flows handed over while frames flow).
 */
@Slow
class OpenFlowFloodTest {
    private static final int ADDS = OfFlowTable.MAX_FLOWS + 2;
    private static final long BARRIER_XID = 0x7fff_0000L;

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Flow i: from vm-c (port 3) to its own eth_dst, out of vm-a: nothing vm-a and vm-b send matches it. */
    private static byte[] flow(int i) {
        return bytes(FlowModBytes.of(OfProtocol.FC_ADD).priority(100).match(OfMatch.IN_PORT, 4, 3)
                .match(OfMatch.ETH_DST, 6, 0x0600_0000_0000L + i).apply(output(1)).build(i));
    }

    /** The bad messages, each with the error it must get (type << 16 | code). */
    private static Map<Integer, byte[]> badOnes() {
        Map<Integer, byte[]> bad = new TreeMap<>();
        byte[] lying = flow(0);
        ByteBuffer.wrap(lying).putShort(48 + 2, (short) 200); // the match claims more than the message holds
        bad.put(OfProtocol.ET_BAD_MATCH << 16 | OfProtocol.BMC_BAD_LEN, lying);
        byte[] bare = {4, (byte) OfProtocol.FLOW_MOD, 0, 8, 0, 0, 0, 1}; // a FLOW_MOD that is only a header
        bad.put(OfProtocol.ET_BAD_REQUEST << 16 | OfProtocol.BRC_BAD_LEN, bare);
        bad.put(OfProtocol.ET_BAD_REQUEST << 16 | OfProtocol.BRC_BAD_TYPE, new byte[] {4, 99, 0, 12, 0, 0, 0, 2, 1, 2, 3, 4});
        bad.put(OfProtocol.ET_BAD_MATCH << 16 | OfProtocol.BMC_BAD_PREREQ, bytes(FlowModBytes.of(OfProtocol.FC_ADD)
                .match(OfMatch.IPV4_DST, 4, 0x0a00_0001L).apply(output(1)).build(3))); // IPv4 without eth_type=IPv4
        bad.put(OfProtocol.ET_BAD_MATCH << 16 | OfProtocol.BMC_BAD_VALUE, bytes(FlowModBytes.of(OfProtocol.FC_ADD)
                .match(OfMatch.VLAN_VID, 2, 0x1000 | 4095).apply(output(1)).build(4))); // VID 4095 is reserved
        bad.put(OfProtocol.ET_FLOW_MOD_FAILED << 16 | OfProtocol.FMFC_BAD_TABLE_ID, bytes(FlowModBytes.of(OfProtocol.FC_ADD)
                .table(200).apply(output(1)).build(5)));
        return bad;
    }

    @Test
    void aHundredThousandFlowsAndBadMessagesGetTheirErrorsWhileOtherPortsForward() throws Exception {
        try (VirtualSwitch sw = VirtualSwitch.start(OpenFlowSwitchTest.spec("vm-a", "vm-b", "vm-c"),
                VirtualSwitch.inMemoryCounters(256));
             OpenFlowAgent agent = OpenFlowAgent.listen("127.0.0.1", 0, sw, 7);
             Socket s = new Socket("127.0.0.1", agent.port())) {
            s.setSoTimeout(60_000);
            InputStream in = s.getInputStream();
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
            assertEquals(OfProtocol.HELLO, OfWire.read(in).get(1));
            out.write(new byte[] {4, 0, 0, 8, 0, 0, 0, 1});

            // The agent's answers are read all along, or its writes would stall the flood.
            Map<Integer, Integer> errors = new TreeMap<>();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> read(in, errors), OpenFlowFloodTest::thread);
            AtomicBoolean flooding = new AtomicBoolean(true);
            InProcessPort a = sw.inProcessPort("vm-a");
            InProcessPort b = sw.inProcessPort("vm-b");
            InProcessPort c = sw.inProcessPort("vm-c");
            CompletableFuture<Integer> traffic = CompletableFuture.supplyAsync(() -> forward(a, b, c, flooding),
                    OpenFlowFloodTest::thread);

            Map<Integer, byte[]> bad = badOnes();
            for (byte[] m : bad.values()) {
                out.write(m);
            }
            for (int i = 0; i < ADDS; i++) {
                out.write(flow(i));
            }
            for (byte[] m : bad.values()) { // the same again with a full table: the same errors
                out.write(m);
            }
            out.write(new byte[] {4, (byte) OfProtocol.BARRIER_REQUEST, 0, 8, 0x7f, (byte) 0xff, 0, 0});
            out.flush();
            reader.get(120, TimeUnit.SECONDS);
            flooding.set(false);
            int forwarded = traffic.get(30, TimeUnit.SECONDS);

            Map<Integer, Integer> expected = new TreeMap<>();
            bad.keySet().forEach(k -> expected.put(k, 2));
            expected.put(OfProtocol.ET_FLOW_MOD_FAILED << 16 | OfProtocol.FMFC_TABLE_FULL, 3);
            assertEquals(expected, errors, "each bad message its error; the last three flows TABLE_FULL");
            assertEquals(2 * bad.size() + 3, agent.counters().errorsSent());
            assertEquals(agent.counters().errorsSent(), agent.counters().malformed() + agent.counters().unsupported());
            assertEquals(ADDS - 3, agent.counters().flowMods());
            assertEquals(OfFlowTable.MAX_FLOWS, ((OvsPipeline) sw.pipeline()).controllerFlows().rules().size(),
                    "after the BARRIER the data path has them all, the default flow included");
            assertTrue(forwarded >= 10, "frames flowed during the flood: " + forwarded);
            assertEquals(0, sw.pmdErrors());

            // Still served, and the flows steer: vm-c's frame to flow 12345's address goes to vm-a only.
            byte[] toA = OsKenControllerTest.frame(0x0600_0000_0000L + 12345, 0x02_00_00_00_00_0cL, 80, 1);
            assertTrue(c.inject(toA));
            assertArrayEquals(toA, InProcessSwitchTestAccess.await(a));
            assertNull(b.take());
        }
    }

    /** A thread of its own (the common pool may have one thread on a small machine: the two would take turns). */
    private static void thread(Runnable task) {
        Thread.ofPlatform().daemon().start(task);
    }

    /** Reads the agent's messages up to the BARRIER_REPLY, counting the ERRORs by type and code. */
    private static void read(InputStream in, Map<Integer, Integer> errors) {
        try {
            for (ByteBuffer m = OfWire.read(in); m != null; m = OfWire.read(in)) {
                if (m.get(1) == OfProtocol.ERROR) {
                    errors.merge((m.getShort(8) & 0xffff) << 16 | m.getShort(10) & 0xffff, 1, Integer::sum);
                } else if (m.get(1) == OfProtocol.BARRIER_REPLY && (m.getInt(4) & 0xffffffffL) == BARRIER_XID) {
                    return;
                }
            }
            throw new AssertionError("the agent closed the connection");
        } catch (IOException e) {
            throw new AssertionError("reading the agent's answers: " + e, e);
        }
    }

    /** Broadcasts from vm-a while {@code flooding}: each must reach vm-b and vm-c unchanged. Returns how many. */
    private static int forward(InProcessPort a, InProcessPort b, InProcessPort c, AtomicBoolean flooding) {
        int n = 0;
        try {
            while (flooding.get()) {
                byte[] f = OsKenControllerTest.frame(0xffff_ffff_ffffL, 0x02_00_00_00_00_0aL, 64 + n % 64, n);
                assertTrue(a.inject(f));
                assertArrayEquals(f, InProcessSwitchTestAccess.await(b), "frame " + n + " at vm-b");
                assertArrayEquals(f, InProcessSwitchTestAccess.await(c), "frame " + n + " at vm-c");
                n++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return n;
    }
}
