package io.virtio4j.samples.guest;

import java.time.Duration;

import io.virtio4j.ovs.VirtualSwitch;

/** Waits for a switch port to have its guest's rings, as a guest's attach is asynchronous on the switch's side. */
public final class PortWait {
    private PortWait() {
    }

    /**
     * Returns once port {@code port} of {@code sw} is connected.
     *
     * @throws GuestException if it is not within {@code timeout}
     */
    public static void awaitConnected(VirtualSwitch sw, String port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!sw.port(port).connected()) {
            if (System.nanoTime() - deadline > 0) {
                throw new GuestException("port " + port + " did not get its guest's rings within " + timeout.toMillis() + " ms");
            }
            Thread.sleep(2);
        }
    }
}
