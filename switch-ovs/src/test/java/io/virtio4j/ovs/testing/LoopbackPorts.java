package io.virtio4j.ovs.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** TCP ports on 127.0.0.1 for a daemon's listeners (metrics, OpenFlow) named in a config file. */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** A port free a moment ago (the kernel's pick); another process could take it before the daemon does. */
    public static int free() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
