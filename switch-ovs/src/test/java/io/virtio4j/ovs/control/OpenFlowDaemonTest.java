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
 * ports, {@code ctl openflow} shows it and its counters, and stopping the daemon frees the port.
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
    void theDaemonServesOpenFlowOnItsListenerAndCtlShowsIt() throws Exception {
        int port = LoopbackPorts.free();
        Path file = config(port);
        try (RunningDaemon daemon = new RunningDaemon(file, dir.resolve("ctl.sock"))) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                assertEquals(0, OfWire.read(in).get(1), "the agent says HELLO");
                s.getOutputStream().write(new byte[] {4, 0, 0, 8, 0, 0, 0, 1, 4, 18, 0, 16, 0, 0, 0, 2, 0, 13, 0, 0, 0, 0, 0, 0});
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
}
