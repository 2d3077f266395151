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

    /** The next frame the switch sent to {@code port}, waiting up to 5 s; null-free: fails if none. */
    public static byte[] await(InProcessPort port) throws InterruptedException {
        return InProcessSwitchTest.await(port);
    }
}
