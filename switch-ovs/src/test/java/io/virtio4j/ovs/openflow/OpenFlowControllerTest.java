package io.virtio4j.ovs.openflow;

import static io.virtio4j.ovs.openflow.FlowModBytes.output;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.InProcessSwitchTestAccess;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.testing.OfWire;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The agent's active connection ({@code connect}) to a tiny controller on a loopback server
 * socket: it connects once the controller listens (retrying with back-off), the controller
 * installs a table-miss flow to itself and runs an L2 learning loop on the PACKET_INs it gets
 * (PACKET_OUT to flood or to the learned port, FLOW_MOD once both ends are known) between three
 * in-process guests; frames arrive byte for byte; and a dropped connection is made again.
 */
class OpenFlowControllerTest {
    private static final long A = 0x02_00_00_00_00_0aL;
    private static final long B = 0x02_00_00_00_00_0bL;

    /** One accepted connection from the switch, driven step by step by the test. */
    private static final class Controller implements AutoCloseable {
        final Socket socket;
        final Map<Long, Long> learned = new HashMap<>();
        int xid = 100;

        Controller(ServerSocket listener) throws IOException {
            this.socket = listener.accept();
            socket.setSoTimeout(5000);
        }

        /** The next message of {@code type}, answering ECHO_REQUESTs on the way. */
        ByteBuffer next(int type) throws IOException {
            while (true) {
                ByteBuffer m = OfWire.read(socket.getInputStream());
                assertTrue(m != null, "the switch closed the connection");
                int got = m.get(1) & 0xff;
                assertTrue(got != OfProtocol.ERROR, "an ERROR from the switch: " + java.util.HexFormat.of().formatHex(m.array()));
                if (got == type) {
                    return m;
                }
                if (got == OfProtocol.ECHO_REQUEST) {
                    send(OfSessionTest.message(4, OfProtocol.ECHO_REPLY, m.getInt(4)));
                }
            }
        }

        void send(ByteBuffer m) throws IOException {
            byte[] b = new byte[m.remaining()];
            m.duplicate().get(b);
            socket.getOutputStream().write(b);
        }

        /** HELLO both ways and FEATURES; returns the datapath id. */
        long handshake() throws IOException {
            next(OfProtocol.HELLO);
            send(OfSessionTest.message(4, OfProtocol.HELLO, 1));
            send(OfSessionTest.message(4, OfProtocol.FEATURES_REQUEST, 2));
            return next(OfProtocol.FEATURES_REPLY).getLong(8);
        }

        void barrier() throws IOException {
            send(OfSessionTest.message(4, OfProtocol.BARRIER_REQUEST, ++xid));
            next(OfProtocol.BARRIER_REPLY);
        }

        /** One round of the learning switch: the next PACKET_IN, answered. */
        void learnOnce() throws IOException {
            ByteBuffer in = next(OfProtocol.PACKET_IN);
            assertEquals(OfProtocol.NO_BUFFER, in.getInt(8) & 0xffffffffL);
            assertEquals(0, in.get(12 + 2), "reason NO_MATCH: the table-miss flow");
            long inPort = in.getInt(8 + 16 + 8) & 0xffffffffL;
            byte[] frame = Arrays.copyOfRange(in.array(), 42, in.limit());
            assertEquals(in.getShort(12) & 0xffff, frame.length, "total_len: the whole frame was sent");
            long dst = ByteBuffer.allocate(8).put(new byte[2]).put(frame, 0, 6).getLong(0);
            long src = ByteBuffer.allocate(8).put(new byte[2]).put(frame, 6, 6).getLong(0);
            learned.put(src, inPort);
            Long out = learned.get(dst);
            if (out == null) {
                send(OfPacketOutTest.packetOut(inPort, frame, output(OfProtocol.PORT_FLOOD)));
                return;
            }
            send(FlowModBytes.of(OfProtocol.FC_ADD).priority(10).match(OfMatch.ETH_DST, 6, dst).apply(output(out)).build(++xid));
            send(OfPacketOutTest.packetOut(inPort, frame, output(out)));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A frame from {@code src} to {@code dst} (EtherType 0x88b5), {@code length} bytes. */
    private static byte[] frame(long dst, long src, int length, int mark) {
        byte[] f = OfPacketOutTest.frame(length);
        ByteBuffer b = ByteBuffer.wrap(f);
        b.putShort(0, (short) (dst >>> 32)).putInt(2, (int) dst).putShort(6, (short) (src >>> 32)).putInt(8, (int) src);
        f[20] = (byte) mark;
        return f;
    }

    @Test
    void aControllerThatStartsLateIsReachedAndRunsAnL2LearningLoop() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // nothing listens here once closed: the first attempts fail
        }
        try (VirtualSwitch sw = VirtualSwitch.start(OpenFlowSwitchTest.spec("vm-a", "vm-b", "vm-c"),
                VirtualSwitch.inMemoryCounters(256));
             OpenFlowAgent agent = OpenFlowAgent.listen(new InetSocketAddress("127.0.0.1", 0), new VirtualSwitchView(sw, 7))) {
            agent.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 100, 400);
            Thread.sleep(300); // a refused attempt or two, then waits of 100, 200 ms
            InProcessPort a = sw.inProcessPort("vm-a");
            InProcessPort b = sw.inProcessPort("vm-b");
            InProcessPort c = sw.inProcessPort("vm-c");
            try (ServerSocket listener = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                 Controller ctl = new Controller(listener)) {
                assertEquals(7L, ctl.handshake(), "the datapath id");
                ctl.send(FlowModBytes.of(OfProtocol.FC_DELETE).table(OfProtocol.TABLE_ALL).build(3));
                ctl.send(FlowModBytes.of(OfProtocol.FC_ADD).priority(0).apply(FlowModBytes.toController(0xffff)).build(4));
                ctl.barrier();

                byte[] ab = frame(B, A, 80, 1);
                assertTrue(a.inject(ab));
                ctl.learnOnce(); // A is at 1, B unknown: flood
                assertArrayEquals(ab, InProcessSwitchTestAccess.await(b), "flooded by PACKET_OUT");
                assertArrayEquals(ab, InProcessSwitchTestAccess.await(c), "flooded by PACKET_OUT");

                byte[] ba = frame(A, B, 90, 2);
                assertTrue(b.inject(ba));
                ctl.learnOnce(); // B is at 2, A at 1: a flow and a PACKET_OUT to port 1
                assertArrayEquals(ba, InProcessSwitchTestAccess.await(a), "sent to the learned port by PACKET_OUT");
                ctl.barrier();

                byte[] again = frame(A, B, 100, 3);
                assertTrue(c.inject(again));
                assertArrayEquals(again, InProcessSwitchTestAccess.await(a), "the flow forwards without the controller");
                assertNull(b.take());
                assertNull(c.take());
                assertEquals(2, agent.counters().packetIns());
                assertEquals(2, agent.counters().packetOuts());
                assertEquals(1, agent.counters().connections());
            }
            // The controller went away: the agent connects again to a new one.
            try (ServerSocket listener = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                 Controller ctl = new Controller(listener)) {
                assertEquals(7L, ctl.handshake());
                assertEquals(2, agent.counters().connections());
            }
            assertEquals(0, sw.pmdErrors());
        }
    }

    /** Waits up to 5 s for {@code condition}. */
    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(5);
        }
    }

    /**
     * The controller deletes every flow and goes away: standalone puts the NORMAL flow back (the
     * switch forwards as without OpenFlow), secure keeps the flows as they are (none).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void failModeDecidesWhatHappensWhenTheLastControllerGoes(boolean secure) throws Exception {
        FakeSwitchView view = new FakeSwitchView(2);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             OpenFlowAgent agent = OpenFlowAgent.withoutListener(view)) {
            agent.failSecure(secure);
            assertEquals(-1, agent.port(), "no listener");
            agent.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 100, 400);
            try (Controller ctl = new Controller(listener)) {
                assertEquals(view.datapathId(), ctl.handshake());
                ctl.send(FlowModBytes.of(OfProtocol.FC_DELETE).table(OfProtocol.TABLE_ALL).build(3));
                ctl.barrier();
                await(() -> agent.controllersConnected() == 1, "the controller counted as connected");
                assertTrue(view.flows().snapshot().rules().isEmpty(), "no flow while the controller is there");
            }
            await(() -> agent.controllersConnected() == 0, "the controller counted as gone");
            if (secure) {
                Thread.sleep(100);
                assertTrue(view.flows().snapshot().rules().isEmpty(), "secure: the flows stay as they are");
            } else {
                await(() -> view.flows().snapshot().onlyNormal(), "standalone: back to the NORMAL flow");
                await(() -> !view.installed.isEmpty() && view.installed.getLast().onlyNormal(), "handed to the data path");
            }
            // It reconnects (the listener is still there): the flows are the controller's again to set.
            try (Controller ctl = new Controller(listener)) {
                assertEquals(view.datapathId(), ctl.handshake());
            }
        } finally {
            view.flows().close();
        }
    }
}
