package io.virtio4j.vhostnet;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.vhostnet.bindings.VhostStructs;

/**
 * One queue pair handed to the kernel: its own {@code /dev/vhost-net} (the kernel runs one worker
 * per device), ring 0 the pair's receive queue and ring 1 its transmit queue, both moving frames
 * through one TAP queue. The setup order is QEMU's (vhost_dev_start, vhost_net_start_one): owner,
 * features, memory table, per ring num/base/addr/kick/call/err, and the TAP last, since attaching
 * the backend is what starts the rings.
 */
final class VhostQueuePair implements AutoCloseable {
    private final VhostNetDevice device;
    private final int pair;
    private boolean running;

    private VhostQueuePair(VhostNetDevice device, int pair) {
        this.device = device;
        this.pair = pair;
    }

    /**
     * Opens a device with {@code opener} and starts {@code rx} and {@code tx} on it; on failure the
     * device is closed again (which releases everything the kernel took).
     *
     * @param vhostFeatures the feature bits for VHOST_SET_FEATURES (already checked against the kernel's)
     * @param backendFeatures the bits for VHOST_SET_BACKEND_FEATURES, or -1 when the kernel has no such request
     * @param signals       the call and error eventfds of every queue
     * @param rxPosition    rx's position in the data plane's queue list (tx follows it)
     */
    static VhostQueuePair start(VhostDeviceOpener opener, long vhostFeatures, long backendFeatures, GuestMemory memory,
                                DataQueue rx, DataQueue tx, VringSignals signals, int rxPosition, int tapFd) {
        VhostNetDevice device = opener.open();
        VhostQueuePair started = new VhostQueuePair(device, rx.pair());
        try {
            device.setOwner();
            device.setFeatures(vhostFeatures);
            if (backendFeatures >= 0) {
                device.setBackendFeatures(backendFeatures);
            }
            device.setMemTable(memory);
            ring(device, memory, VhostNetDevice.RX, rx, signals, rxPosition);
            ring(device, memory, VhostNetDevice.TX, tx, signals, rxPosition + 1);
            device.setBackend(VhostNetDevice.RX, tapFd);
            device.setBackend(VhostNetDevice.TX, tapFd);
            started.running = true;
            return started;
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    private static void ring(VhostNetDevice device, GuestMemory memory, int ring, DataQueue queue, VringSignals signals,
                             int position) {
        device.setVringNum(ring, queue.layout().size());
        device.setVringBase(ring, queue.availIdx());
        device.setVringAddr(ring, RingAddresses.of(memory, queue.layout()));
        device.setVringKick(ring, queue.kick().fd());
        device.setVringCall(ring, signals.callFd(position));
        device.setVringErr(ring, signals.errorFd(position));
    }

    /**
     * Detaches the TAP from both rings (the worker stops touching guest memory) and reads where each
     * ring stopped: {@code {rx last avail idx, tx last avail idx}}. Closes the device.
     */
    int[] stop() {
        try {
            if (running) {
                running = false;
                device.setBackend(VhostNetDevice.RX, VhostStructs.FILE_UNBIND);
                device.setBackend(VhostNetDevice.TX, VhostStructs.FILE_UNBIND);
            }
            return new int[] {device.getVringBase(VhostNetDevice.RX), device.getVringBase(VhostNetDevice.TX)};
        } finally {
            device.close();
        }
    }

    int pair() {
        return pair;
    }

    /** Closes the device without asking for the ring state (error paths). */
    @Override
    public void close() {
        device.close();
    }
}
