package io.virtio4j.ovs.openflow;

import static io.virtio4j.ovs.openflow.FlowModBytes.output;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.datapath.InjectionRing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PACKET_OUT through one session against a switch of three ports (1 and 3 up, 2 down; port 3's
 * MTU 1000): what each output queues at which port and how, and every refusal with its error
 * type and code, queuing nothing.
 */
class OfPacketOutTest {
    private final OfCounters counters = new OfCounters();
    private final List<ByteBuffer> sent = new ArrayList<>();
    private final FakeSwitchView view = new FakeSwitchView(3);
    private final OfSession session = new OfSession(view, counters, sent::add, "test");

    @AfterEach
    void stopTheSweeper() {
        view.flows().close();
    }

    private void negotiate() {
        session.start();
        session.receive(OfSessionTest.message(4, OfProtocol.HELLO, 1));
        sent.clear();
    }

    /** A frame of {@code length} bytes: broadcast, EtherType 0x88b5 (local experimental), numbered payload. */
    static byte[] frame(int length) {
        byte[] f = new byte[length];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        f[6] = 2;
        f[11] = 1;
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        for (int i = 14; i < length; i++) {
            f[i] = (byte) i;
        }
        return f;
    }

    static ByteBuffer packetOut(long xid, long bufferId, long inPort, int actionsLength, byte[] actions, byte[] frame) {
        ByteBuffer b = ByteBuffer.allocate(24 + actions.length + frame.length);
        b.put((byte) OfProtocol.VERSION).put((byte) OfProtocol.PACKET_OUT).putShort((short) b.capacity()).putInt((int) xid);
        b.putInt((int) bufferId).putInt((int) inPort).putShort((short) actionsLength).put(new byte[6]);
        return b.put(actions).put(frame).flip();
    }

    static ByteBuffer packetOut(long inPort, byte[] frame, byte[]... actions) {
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        for (byte[] x : actions) {
            a.writeBytes(x);
        }
        return packetOut(7, OfProtocol.NO_BUFFER, inPort, a.size(), a.toByteArray(), frame);
    }

    private void assertQueued(long port, int kind, byte[] frame, FakeSwitchView.Injected got) {
        assertEquals(port, got.port(), "port");
        assertEquals(kind, got.kind(), "kind");
        assertArrayEquals(frame, got.frame(), "the frame as sent");
    }

    @Test
    void outputsQueueTheFrameAtTheirPorts() {
        negotiate();
        byte[] f = frame(60);
        session.receive(packetOut(OfProtocol.PORT_CONTROLLER, f, output(1)));
        session.receive(packetOut(1, f, output(OfProtocol.PORT_IN_PORT)));
        session.receive(packetOut(3, f, output(OfProtocol.PORT_TABLE)));
        session.receive(packetOut(3, f, output(OfProtocol.PORT_NORMAL)));
        session.receive(packetOut(OfProtocol.PORT_ANY, f, output(3), output(1)));
        assertTrue(sent.isEmpty(), "a PACKET_OUT has no answer: " + sent);
        assertEquals(6, view.injected.size());
        assertQueued(1, InjectionRing.TRANSMIT, f, view.injected.get(0));
        assertQueued(1, InjectionRing.TRANSMIT, f, view.injected.get(1));
        assertQueued(3, InjectionRing.RECEIVE, f, view.injected.get(2));
        assertQueued(3, InjectionRing.RECEIVE, f, view.injected.get(3));
        assertQueued(3, InjectionRing.TRANSMIT, f, view.injected.get(4));
        assertQueued(1, InjectionRing.TRANSMIT, f, view.injected.get(5));
        assertEquals(5, counters.packetOuts());
        assertEquals(0, counters.packetOutDropped());
        assertEquals(0, counters.errorsSent());
    }

    @Test
    void floodAndAllSkipTheInPortAndDropForDownPortsAndSmallMtus() {
        negotiate();
        byte[] f = frame(60);
        session.receive(packetOut(1, f, output(OfProtocol.PORT_FLOOD)));
        assertEquals(1, view.injected.size(), "port 2 is down: only port 3");
        assertQueued(3, InjectionRing.TRANSMIT, f, view.injected.getFirst());
        assertEquals(1, counters.packetOutDropped());

        byte[] big = frame(14 + 1200); // fits port 1 (1500), not port 3 (1000)
        session.receive(packetOut(OfProtocol.PORT_CONTROLLER, big, output(OfProtocol.PORT_ALL)));
        assertEquals(2, view.injected.size());
        assertQueued(1, InjectionRing.TRANSMIT, big, view.injected.getLast());
        assertEquals(3, counters.packetOutDropped(), "port 2 down, port 3's MTU");
        assertEquals(2, counters.packetOuts());
        assertTrue(sent.isEmpty());
    }

    @Test
    void aFullRingDropsAndCounts() {
        negotiate();
        view.ringsHaveRoom = false;
        session.receive(packetOut(OfProtocol.PORT_CONTROLLER, frame(60), output(1)));
        assertEquals(1, counters.packetOuts());
        assertEquals(1, counters.packetOutDropped());
        assertTrue(sent.isEmpty());
    }

    @Test
    void normalIsRefusedOnceOpenFlowFlowsAreInstalledButTableIsServed() {
        negotiate();
        session.receive(FlowModBytes.of(OfProtocol.FC_ADD).priority(5).match(OfMatch.IN_PORT, 4, 1).apply(output(3)).build(2));
        assertTrue(sent.isEmpty(), "flow added: " + sent);
        session.receive(packetOut(1, frame(60), output(OfProtocol.PORT_NORMAL)));
        assertError(OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_OUT_PORT);
        session.receive(packetOut(1, frame(60), output(OfProtocol.PORT_TABLE)));
        assertEquals(1, view.injected.size());
        assertQueued(1, InjectionRing.RECEIVE, frame(60), view.injected.getFirst());
    }

    private void assertError(int type, int code) {
        assertEquals(1, sent.size(), "one ERROR: " + sent);
        ByteBuffer e = sent.removeFirst();
        assertEquals(OfProtocol.ERROR, e.get(1));
        assertEquals(7, e.getInt(4), "the request's xid");
        assertEquals(type, e.getShort(8), "error type");
        assertEquals(code, e.getShort(10), "error code");
        assertEquals(OfProtocol.PACKET_OUT, e.get(12 + 1), "the request's header echoed");
    }

    @Test
    void refusalsGetTheirErrorsAndQueueNothing() {
        negotiate();
        byte[] f = frame(60);
        byte[] out1 = output(1);
        session.receive(packetOut(7, 5, 1, 16, out1, f));
        assertError(OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BUFFER_UNKNOWN);
        session.receive(packetOut(9, f, out1));
        assertError(OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_PORT);
        session.receive(packetOut(OfProtocol.PORT_LOCAL, f, out1));
        assertError(OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_PORT);
        session.receive(packetOut(1, f, output(9)));
        assertError(OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_OUT_PORT);
        session.receive(packetOut(1, f, output(OfProtocol.PORT_CONTROLLER)));
        assertError(OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_OUT_PORT);
        session.receive(packetOut(OfProtocol.PORT_CONTROLLER, f, output(OfProtocol.PORT_IN_PORT)));
        assertError(OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_OUT_PORT);
        session.receive(packetOut(OfProtocol.PORT_CONTROLLER, f, output(OfProtocol.PORT_TABLE)));
        assertError(OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_OUT_PORT);
        session.receive(packetOut(1, f, out1, FlowModBytes.setMac(OfMatch.ETH_DST, 1)));
        assertError(OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_TYPE);
        session.receive(packetOut(1, f, FlowModBytes.action(OfProtocol.AT_OUTPUT, 8, 8)));
        assertError(OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_LEN);
        session.receive(packetOut(1, f, FlowModBytes.action(OfProtocol.AT_OUTPUT, 12, 16)));
        assertError(OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_LEN);
        session.receive(packetOut(1, f, FlowModBytes.action(OfProtocol.AT_OUTPUT, 24, 16)));
        assertError(OfProtocol.ET_BAD_ACTION, OfProtocol.BAC_BAD_LEN);
        session.receive(packetOut(7, OfProtocol.NO_BUFFER, 1, 12, out1, f));
        assertError(OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
        session.receive(packetOut(7, OfProtocol.NO_BUFFER, 1, 16 + 60 + 8, out1, f));
        assertError(OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
        session.receive(packetOut(1, java.util.Arrays.copyOf(f, 13), out1));
        assertError(OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
        session.receive(packetOut(1, frame(14 + 1001), output(3)));
        assertError(OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
        session.receive(packetOut(1, frame(14 + 1001), output(1), output(3)));
        assertError(OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
        session.receive(packetOut(1, frame(io.virtio4j.ovs.port.SwitchPort.MAX_FRAME + 1), output(OfProtocol.PORT_FLOOD)));
        assertError(OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
        assertTrue(view.injected.isEmpty(), "nothing queued: " + view.injected);
        assertEquals(0, counters.packetOuts());
        assertEquals(17, counters.errorsSent());
        assertEquals(17, counters.malformed() + counters.unsupported());
    }
}
