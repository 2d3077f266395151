package io.virtio4j.ovs.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * An in-process guest ({@link GuestNic}) on one vhost-user port of a running switch: sends the
 * frames a test builds and collects what the switch delivers to it. Closes its front-end first
 * (the switch then unmaps the guest's memory), then the memory.
 */
public final class AttachedGuest implements AutoCloseable {
    private final String name;
    private final GuestNic nic = new GuestNic();
    private final VhostUserFrontend frontend;
    private final List<byte[]> received = new ArrayList<>();

    private AttachedGuest(String name, VhostUserFrontend frontend) {
        this.name = name;
        this.frontend = frontend;
    }

    /** Connects to a vhost-user-server port's socket and completes the handshake. */
    public static AttachedGuest connect(String name, Path socket) throws InterruptedException {
        VhostUserFrontend fe = VhostUserFrontend.connect(socket, Duration.ofSeconds(5));
        return attach(name, fe);
    }

    /** Completes the handshake over a front-end whose connection the test made (a listening guest). */
    public static AttachedGuest attach(String name, VhostUserFrontend fe) {
        AttachedGuest guest = new AttachedGuest(name, fe);
        try {
            guest.nic.attach(fe);
        } catch (RuntimeException e) {
            guest.close();
            throw e;
        }
        return guest;
    }

    public String name() {
        return name;
    }

    public void send(byte[] frame) {
        nic.reclaimTx();
        if (!nic.transmit(frame)) {
            throw new AssertionError(name + ": TX ring full");
        }
        nic.kickTx();
    }

    /** Sends {@code frame} if the TX ring has room; false (nothing sent) when it is full. */
    public boolean trySend(byte[] frame) {
        nic.reclaimTx();
        if (!nic.transmit(frame)) {
            return false;
        }
        nic.kickTx();
        return true;
    }

    /** The next frame the switch delivered (without the virtio-net header); fails after {@code timeout}. */
    public byte[] await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " received nothing in " + timeout.toMillis() + " ms");
            }
            if (poll() == 0) {
                Thread.sleep(1);
            }
        }
        return received.removeFirst();
    }

    /** Everything delivered so far and not yet taken, taken now. */
    public List<byte[]> takeAll() {
        poll();
        List<byte[]> all = List.copyOf(received);
        received.clear();
        return all;
    }

    private int poll() {
        return nic.receive((segment, length) -> received.add(GuestNic.bytes(segment, GuestNic.HDR, length - GuestNic.HDR)));
    }

    @Override
    public void close() {
        try {
            frontend.close();
        } finally {
            nic.close();
        }
    }
}
