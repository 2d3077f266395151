package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.VhostUserNetPort;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Two {@link VhostUserNetPort}s, {@code a} and {@code b}, each served on its own socket in
 * {@code dir} with our front-end connected: the in-process switch side of a two-guest test. The
 * test attaches its guests (as it needs them built), then waits with {@link #awaitRings()}.
 * Closing disconnects both front-ends and stops both servers; the guests are the test's.
 */
class TwoServedPorts implements AutoCloseable {
    final VhostUserNetPort a;
    final VhostUserNetPort b;
    final VhostUserServer serverA;
    final VhostUserServer serverB;
    final VhostUserFrontend feA;
    final VhostUserFrontend feB;
    private boolean feBClosed;

    TwoServedPorts(Path dir, int mtu) throws InterruptedException {
        a = new VhostUserNetPort(1, mtu);
        b = new VhostUserNetPort(1, mtu);
        serverA = VhostUserServer.listen(dir.resolve("a.sock"), BackendConfig.net(1), () -> a);
        serverB = VhostUserServer.listen(dir.resolve("b.sock"), BackendConfig.net(1), () -> b);
        feA = VhostUserFrontend.connect(dir.resolve("a.sock"), Duration.ofSeconds(5));
        feB = VhostUserFrontend.connect(dir.resolve("b.sock"), Duration.ofSeconds(5));
    }

    /** Waits up to 5 s until both ports' first queue pair runs (the guests attached). */
    final void awaitRings() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!(a.ready(0) && b.ready(0))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("rings never started");
            }
            Thread.sleep(5);
        }
    }

    /** Disconnects B's front-end (its close is not idempotent); later calls do nothing. */
    final void closeFrontendB() {
        if (!feBClosed) {
            feBClosed = true;
            feB.close();
        }
    }

    @Override
    public void close() {
        feA.close();
        closeFrontendB();
        serverA.close();
        serverB.close();
    }
}
