package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.VhostUserNetPort;
import io.virtio4j.vhostuser.protocol.RingListener;

import java.nio.file.Path;
import java.time.Duration;

/** Our back-end in either socket role, one queue pair served by a {@link VhostUserNetPort}: what the peer tests run against. */
enum OurBackend {
    /** Listens on the path; the front-end connects. */
    SERVER {
        @Override
        SessionLoop start(Path sock, RingListener port) {
            return VhostUserServer.listen(sock, BackendConfig.net(1), () -> port);
        }
    },
    /** Connects to a front-end listening on the path, retrying every 20 ms. */
    CLIENT {
        @Override
        SessionLoop start(Path sock, RingListener port) {
            return VhostUserClient.connect(sock, Duration.ofMillis(20), BackendConfig.net(1), () -> port);
        }
    };

    abstract SessionLoop start(Path sock, RingListener port);
}
