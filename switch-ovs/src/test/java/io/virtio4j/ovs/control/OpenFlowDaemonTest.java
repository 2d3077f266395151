package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.testing.OfWire;
import io.virtio4j.ovs.testing.LoopbackPorts;
import io.virtio4j.ovs.testing.TwoVpcs;

import java.io.InputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon with {@code openflow = ptcp:PORT}: the agent listens on loopback with the switch's
 * ports, {@code ctl openflow} shows it and its counters, and stopping the daemon frees the port;
 * flows installed through it stay in the data path across {@code ctl add-port}, {@code del-port}
 * and {@code reload}.
 */
class OpenFlowDaemonTest {
    @TempDir
    Path dir;

    private Path config(int port) throws IOException {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, TwoVpcs.switchSection("none") + "openflow = ptcp:" + port + "\n"
                + "[port vm1]\ntype = vhost-user-server\npath = vm1.sock\nvlan = 10\n"
                + "[port vm2]\ntype = vhost-user-server\npath = vm2.sock\nvlan = 10\n");
        return file;
    }

    /** A connection to the agent on {@code port} that has heard its HELLO and sent ours (1.3). */
    private static Socket greeted(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(5000);
        assertEquals(0, OfWire.read(s.getInputStream()).get(1), "the agent says HELLO");
        s.getOutputStream().write(new byte[] {4, 0, 0, 8, 0, 0, 0, 1});
        return s;
    }

    @Test
    void aListenerPortAnotherProcessHoldsStopsTheStartAndNamesIt() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Path file = config(taken.getLocalPort());
            AssertionError e = assertThrows(AssertionError.class, () -> new RunningDaemon(file, dir.resolve("ctl.sock")));
            assertTrue(e.getMessage().contains("openflow: cannot listen on"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("ctl.sock")), "what the start had made was taken down");
        }
    }

    @Test
    void theDaemonConnectsToItsControllerWithoutAListenerAndAgainAfterALoss() throws Exception {
        try (ServerSocket controller = new ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress())) {
            controller.setSoTimeout(10_000);
            Path file = dir.resolve("switch.conf");
            Files.writeString(file, TwoVpcs.switchSection("none") + "controller = tcp:127.0.0.1:" + controller.getLocalPort()
                    + "\nfail-mode = secure\n[port vm1]\ntype = vhost-user-server\npath = vm1.sock\nvlan = 10\n");
            try (RunningDaemon daemon = new RunningDaemon(file, dir.resolve("ctl.sock"))) {
                for (int round = 1; round <= 2; round++) {
                    try (Socket s = controller.accept()) {
                        s.setSoTimeout(5000);
                        assertEquals(0, OfWire.read(s.getInputStream()).get(1), "the switch says HELLO");
                        s.getOutputStream().write(new byte[] {4, 0, 0, 8, 0, 0, 0, 1, 4, 5, 0, 8, 0, 0, 0, 2});
                        ByteBuffer features = OfWire.read(s.getInputStream());
                        assertEquals(6, features.get(1), "FEATURES_REPLY");
                    }
                }
                List<String> table = daemon.ctl("openflow");
                assertTrue(table.get(1).startsWith("none "), "no listener: " + table);
            }
        }
    }

    @Test
    void theDaemonServesOpenFlowOnItsListenerAndCtlShowsIt() throws Exception {
        int port = LoopbackPorts.free();
        Path file = config(port);
        try (RunningDaemon daemon = new RunningDaemon(file, dir.resolve("ctl.sock"))) {
            try (Socket s = greeted(port)) {
                InputStream in = s.getInputStream();
                s.getOutputStream().write(new byte[] {4, 18, 0, 16, 0, 0, 0, 2, 0, 13, 0, 0, 0, 0, 0, 0});
                ByteBuffer ports = OfWire.read(in);
                assertEquals(19, ports.get(1), "MULTIPART_REPLY");
                assertEquals(16 + 2 * 64, ports.limit(), "both ports described");
                assertEquals('v', ports.get(16 + 16));
            }
            List<String> table = daemon.ctl("openflow");
            assertTrue(table.get(1).startsWith("ptcp:" + port + " "), table.toString());
            assertTrue(table.get(0).contains("messages_in"), table.toString());
        }
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress("127.0.0.1", port)); // the daemon let the port go
        }
    }

    /** FLOW_MOD ADD {@code in_port=inPort, actions=output:outPort} (priority 0x8000, table 0), then a BARRIER_REQUEST. */
    private static byte[] flowModAndBarrier(int inPort, int outPort) {
        ByteBuffer b = ByteBuffer.allocate(88 + 8);
        b.put((byte) 4).put((byte) 14).putShort((short) 88).putInt(7);
        b.putLong(0).putLong(0).put((byte) 0).put((byte) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0x8000)
                .putInt(-1).putInt(-1).putInt(-1).putShort((short) 0).putShort((short) 0);
        b.putShort((short) 1).putShort((short) 12).putInt(0x80000004).putInt(inPort).putInt(0); // OXM in_port, padded
        b.putShort((short) 4).putShort((short) 24).putInt(0); // apply-actions
        b.putShort((short) 0).putShort((short) 16).putInt(outPort).putShort((short) 0).put(new byte[6]);
        b.put((byte) 4).put((byte) 20).putShort((short) 8).putInt(8); // BARRIER_REQUEST
        return b.array();
    }

    /** The data path's OpenFlow flows, as {@code ctl flows} lists them (the program's table 2 with l3 none). */
    private static List<String> openflowFlows(RunningDaemon daemon) {
        return daemon.ctl("flows").stream().filter(l -> l.contains("table=2,")).toList();
    }

    @Test
    void flowsInstalledThroughTheAgentStayAcrossAddPortDelPortAndReload() throws Exception {
        int port = LoopbackPorts.free();
        Path file = config(port);
        try (RunningDaemon daemon = new RunningDaemon(file, dir.resolve("ctl.sock"))) {
            try (Socket s = greeted(port)) {
                InputStream in = s.getInputStream();
                s.getOutputStream().write(flowModAndBarrier(2, 1)); // vm2 -> vm1
                assertEquals(21, OfWire.read(in).get(1), "BARRIER_REPLY, no error before it");
            }
            List<String> counters = daemon.ctl("openflow");
            int column = List.of(counters.get(0).trim().split("\\s+")).indexOf("flow_mods");
            assertEquals("1", counters.get(1).trim().split("\\s+")[column], counters.toString());
            List<String> flows = openflowFlows(daemon);
            assertEquals(2, flows.size(), "NORMAL and vm2 -> vm1: " + daemon.ctl("flows"));
            assertTrue(flows.stream().anyMatch(l -> l.endsWith("in_port=1 actions=output:0")), flows.toString());

            daemon.ctl("add-port vm3 type=vhost-user-server path=vm3.sock vlan=10");
            assertEquals(flows, openflowFlows(daemon), "add-port keeps the flows");
            daemon.ctl("del-port vm1");
            // vm2 is now the first port; vm1 (OpenFlow port 1) is gone: the output drops.
            assertTrue(openflowFlows(daemon).stream().anyMatch(l -> l.endsWith("in_port=0 actions=drop(flow_drop)")),
                    daemon.ctl("flows").toString());
            List<String> afterDel = openflowFlows(daemon);
            // A reload that changes the data path (vm2 moves to VLAN 20) builds it with the flows too.
            String text = Files.readString(file);
            String moved = text.replaceFirst("(path = vm2\\.sock\n)vlan = 10", "$1vlan = 20");
            assertFalse(moved.equals(text), text);
            Files.writeString(file, moved);
            assertTrue(String.join("\n", daemon.ctl("reload")).contains("vm2"), "the reload changed vm2");
            assertEquals(afterDel, openflowFlows(daemon), "reload keeps the flows");
        }
    }
}
