package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.VhostUserNetPort;

import java.nio.file.Path;
import java.time.Duration;

import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * Our front-end with a {@link GuestNic} attached to our back-end serving one {@link VhostUserNetPort}
 * on {@code sock}: the in-process VMM and switch port, rings handed over and running.
 */
final class AttachedNic implements AutoCloseable {
    final VhostUserNetPort port = new VhostUserNetPort(1, 9000);
    final VhostUserServer server;
    final VhostUserFrontend frontend;
    final GuestNic nic;

    AttachedNic(Path sock) throws InterruptedException {
        server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> port);
        VhostUserFrontend fe = null;
        GuestNic n = null;
        try {
            fe = VhostUserFrontend.connect(sock, Duration.ofSeconds(5));
            n = new GuestNic();
            n.attach(fe);
        } catch (RuntimeException e) {
            if (n != null) {
                n.close();
            }
            if (fe != null) {
                fe.close();
            }
            server.close();
            throw e;
        }
        frontend = fe;
        nic = n;
    }

    @Override
    public void close() {
        nic.close();
        frontend.close();
        server.close();
    }
}
