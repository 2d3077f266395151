package io.virtio4j.ovs.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.InProcessSwitchTestAccess;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.port.InProcessPort;
import io.virtio4j.ovs.testing.OfWire;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * Roles and asynchronous masks on a running switch, with two controllers connected to its
 * listener: the master's table-miss flow sends frames as PACKET_IN to the master only; the slave's
 * FLOW_MOD is refused (IS_SLAVE); a slave that asks with SET_ASYNC gets PACKET_INs too; both hear
 * PORT_STATUS when a port comes; and a new master makes the old one a slave.
 */
class OpenFlowRolesSwitchTest {
    /** One controller's connection: messages written whole, read whole. */
    private record Peer(Socket socket) implements AutoCloseable {
        static Peer connect(OpenFlowAgent agent) throws IOException {
            Socket s = new Socket("127.0.0.1", agent.port());
            s.setSoTimeout(5000);
            Peer p = new Peer(s);
            assertEquals(OfProtocol.HELLO, p.next().get(1));
            p.send(OfSessionTest.message(4, OfProtocol.HELLO, 1));
            return p;
        }

        void send(ByteBuffer m) throws IOException {
            socket.getOutputStream().write(m.array(), m.arrayOffset() + m.position(), m.remaining());
        }

        ByteBuffer next() throws IOException {
            ByteBuffer m = OfWire.read(socket.getInputStream());
            assertTrue(m != null, "the agent closed the connection");
            return m;
        }

        /** The next message, which must be of {@code type}. */
        ByteBuffer expect(int type) throws IOException {
            ByteBuffer m = next();
            assertEquals(type, m.get(1), "message type (an ERROR's type and code: " + (m.get(1) == OfProtocol.ERROR
                    ? m.getShort(8) + "/" + m.getShort(10) : "-") + ")");
            return m;
        }

        void role(int role, long generation) throws IOException {
            ByteBuffer m = ByteBuffer.allocate(24);
            m.put((byte) 4).put((byte) OfProtocol.ROLE_REQUEST).putShort((short) 24).putInt(5);
            send(m.putInt(role).putInt(0).putLong(generation).flip());
            assertEquals(role, expect(OfProtocol.ROLE_REPLY).getInt(8));
        }

        void barrier() throws IOException {
            send(OfSessionTest.message(4, OfProtocol.BARRIER_REQUEST, 6));
            expect(OfProtocol.BARRIER_REPLY);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static final ByteBuffer TABLE_MISS_TO_CONTROLLER =
            FlowModBytes.of(OfProtocol.FC_ADD).priority(0).apply(FlowModBytes.toController(0xffff)).build(7);

    @Test
    void onlyTheMasterGetsPacketInsAndChangesTheSwitchUntilANewMasterComes() throws Exception {
        try (VirtualSwitch sw = VirtualSwitch.start(OpenFlowSwitchTest.spec("vm-a", "vm-b"), VirtualSwitch.inMemoryCounters(256));
             OpenFlowAgent agent = OpenFlowAgent.listen("127.0.0.1", 0, sw, 9);
             Peer master = Peer.connect(agent);
             Peer slave = Peer.connect(agent)) {
            master.role(OfProtocol.CR_ROLE_MASTER, 1);
            slave.role(OfProtocol.CR_ROLE_SLAVE, 1);
            slave.send(TABLE_MISS_TO_CONTROLLER.duplicate());
            ByteBuffer refused = slave.expect(OfProtocol.ERROR);
            assertEquals(OfProtocol.BRC_IS_SLAVE, refused.getShort(10));
            master.send(FlowModBytes.of(OfProtocol.FC_DELETE).table(OfProtocol.TABLE_ALL).build(8));
            master.send(TABLE_MISS_TO_CONTROLLER.duplicate());
            master.barrier();

            InProcessPort a = sw.inProcessPort("vm-a");
            byte[] frame = InProcessSwitchTestAccess.udpFrame(90, 1);
            for (int i = 0; i < 2; i++) { // the second PACKET_IN is sent after the first went to every connection
                assertTrue(a.inject(frame));
                assertEquals(OfProtocol.PR_NO_MATCH, master.expect(OfProtocol.PACKET_IN).get(14));
            }
            slave.send(OfSessionTest.message(4, OfProtocol.ECHO_REQUEST, 10));
            slave.expect(OfProtocol.ECHO_REPLY); // no PACKET_IN before it: a slave gets none by default

            // The slave asks for PACKET_IN (NO_MATCH) as a slave, and keeps PORT_STATUS.
            ByteBuffer async = ByteBuffer.allocate(32);
            async.put((byte) 4).put((byte) OfProtocol.SET_ASYNC).putShort((short) 32).putInt(11);
            slave.send(async.putInt(0b11).putInt(1 << OfProtocol.PR_NO_MATCH).putInt(0b111).putInt(0b111).putInt(0b1111).putInt(0)
                    .flip());
            slave.barrier();
            assertTrue(a.inject(frame));
            master.expect(OfProtocol.PACKET_IN);
            slave.expect(OfProtocol.PACKET_IN);

            // ctl add-port: both hear of it.
            sw.reconfigure(OpenFlowSwitchTest.spec("vm-a", "vm-b", "vm-c"), next -> new OvsPipeline(next, System.nanoTime(),
                    ((OvsPipeline) sw.pipeline()).controllerFlows()));
            for (Peer p : new Peer[] {master, slave}) {
                ByteBuffer status = p.expect(OfProtocol.PORT_STATUS);
                assertEquals(OfProtocol.PPR_ADD, status.get(8));
                assertEquals(3, status.getInt(16), "port_no");
            }

            // A new master: the old one is a slave now, refused what it may no longer do.
            slave.role(OfProtocol.CR_ROLE_MASTER, 2);
            master.send(TABLE_MISS_TO_CONTROLLER.duplicate());
            assertEquals(OfProtocol.BRC_IS_SLAVE, master.expect(OfProtocol.ERROR).getShort(10));
            assertEquals(2, agent.counters().refusedByRole(), "the slave's FLOW_MOD and the old master's");
            assertEquals(2, agent.counters().errorsSent());
        }
    }
}
