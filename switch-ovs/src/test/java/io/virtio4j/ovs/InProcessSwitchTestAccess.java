package io.virtio4j.ovs;

import io.virtio4j.ovs.port.InProcessPort;

/** {@link InProcessSwitchTest}'s frame helpers for tests in other packages. */
public final class InProcessSwitchTestAccess {
    private InProcessSwitchTestAccess() {
    }

    /** An untagged IPv4/UDP frame of {@code length} bytes, numbered {@code seq}. */
    public static byte[] udpFrame(int length, int seq) {
        return InProcessSwitchTest.udpFrame(length, seq);
    }

    /** Waits until the switch-wide counter says {@code n} drops for {@code reason}; fails after 5 s. */
    public static void awaitDrops(VirtualSwitch sw, io.virtio4j.ovs.pipeline.DropReason reason, long n) throws InterruptedException {
        InProcessSwitchTest.awaitDrops(sw, reason, n);
    }

    /** The next frame the switch sent to {@code port}, waiting up to 5 s; null-free: fails if none. */
    public static byte[] await(InProcessPort port) throws InterruptedException {
        return InProcessSwitchTest.await(port);
    }
}
