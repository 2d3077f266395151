package io.virtio4j.ovs.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.testing.OfWire;

/** The listener on real loopback sockets: serving, the connection limit, timeouts and probes, close. */
class OpenFlowAgentTest {
    private static final long MS = 1_000_000L;

    private static OpenFlowAgent agent(long helloMs, long probeMs, long closeMs) throws IOException {
        return OpenFlowAgent.listen(new InetSocketAddress("127.0.0.1", 0), new FakeSwitchView(2),
                new long[] {helloMs * MS, probeMs * MS, closeMs * MS});
    }

    private static Socket connect(OpenFlowAgent agent) throws IOException {
        Socket s = new Socket("127.0.0.1", agent.port());
        s.setSoTimeout(5000);
        return s;
    }

    private static ByteBuffer read(Socket s) throws IOException {
        return OfWire.read(s.getInputStream());
    }

    private static void send(Socket s, ByteBuffer m) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(m.array(), 0, m.limit());
        out.flush();
    }

    @Test
    void aPeerIsServedAndABrokenStreamEndsOnlyItsConnection() throws Exception {
        try (OpenFlowAgent agent = agent(10_000, 10_000, 30_000);
             Socket good = connect(agent); Socket bad = connect(agent)) {
            assertEquals(OfProtocol.HELLO, read(good).get(1));
            send(good, OfSessionTest.message(4, OfProtocol.HELLO, 1));
            send(good, OfSessionTest.message(4, OfProtocol.FEATURES_REQUEST, 2));
            assertEquals(OfProtocol.FEATURES_REPLY, read(good).get(1));

            assertEquals(OfProtocol.HELLO, read(bad).get(1));
            send(bad, OfSessionTest.message(4, OfProtocol.HELLO, 1));
            ByteBuffer broken = OfSessionTest.message(4, OfProtocol.ECHO_REQUEST, 3);
            broken.putShort(2, (short) 2);
            send(bad, broken);
            ByteBuffer error = read(bad);
            assertEquals(OfProtocol.ERROR, error.get(1));
            assertEquals(OfProtocol.BRC_BAD_LEN, error.getShort(10));
            assertEquals(null, read(bad), "the agent closed the broken stream");

            send(good, OfSessionTest.message(4, OfProtocol.ECHO_REQUEST, 4));
            assertEquals(OfProtocol.ECHO_REPLY, read(good).get(1), "the other peer is still served");
            assertEquals(1, agent.counters().closedByProtocol());
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAndCounted() throws Exception {
        try (OpenFlowAgent agent = agent(10_000, 10_000, 30_000)) {
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < OpenFlowAgent.MAX_CONNECTIONS; i++) {
                    Socket s = connect(agent);
                    open.add(s);
                    assertEquals(OfProtocol.HELLO, read(s).get(1));
                }
                try (Socket extra = connect(agent)) {
                    assertEquals(null, read(extra), "the 17th is closed at once");
                }
                assertEquals(1, agent.counters().refusedConnections());
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aSilentPeerIsClosedAndAQuietOneProbed() throws Exception {
        try (OpenFlowAgent agent = agent(300, 200, 1500);
             Socket silent = connect(agent); Socket quiet = connect(agent)) {
            assertEquals(OfProtocol.HELLO, read(quiet).get(1));
            send(quiet, OfSessionTest.message(4, OfProtocol.HELLO, 1));
            ByteBuffer probe = read(quiet);
            assertEquals(OfProtocol.ECHO_REQUEST, probe.get(1), "a quiet peer is asked");
            send(quiet, OfSessionTest.message(4, OfProtocol.ECHO_REPLY, probe.getInt(4)));

            assertEquals(OfProtocol.HELLO, read(silent).get(1));
            long start = System.nanoTime();
            assertEquals(null, read(silent), "no HELLO: closed");
            assertTrue(System.nanoTime() - start < 3000 * MS);

            // The quiet peer now stops answering: probed again, then closed.
            assertEquals(OfProtocol.ECHO_REQUEST, read(quiet).get(1));
            assertEquals(null, read(quiet));
            assertEquals(2, agent.counters().timedOut());
        }
    }

    @Test
    void closeEndsEveryConnection() throws Exception {
        Socket s;
        OpenFlowAgent agent = agent(10_000, 10_000, 30_000);
        s = connect(agent);
        assertEquals(OfProtocol.HELLO, read(s).get(1));
        agent.close();
        InputStream in = s.getInputStream();
        assertEquals(-1, in.read(), "the peer sees the end");
        assertEquals(0, agent.openConnections());
        s.close();
    }
}
