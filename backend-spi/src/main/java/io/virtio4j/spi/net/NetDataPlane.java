package io.virtio4j.spi.net;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;

import java.util.List;

/**
 * Everything a backend needs to move frames once the driver set DRIVER_OK: the guest memory, the
 * negotiated features, the data queues, the receive filter the control queue maintains, and where
 * to report a broken queue.
 *
 * @param memory   the guest memory the rings and buffers live in
 * @param features the negotiated feature bits (decide the vnet header size, MRG_RXBUF, ...)
 * @param queues   the data queues in index order, rx and tx of each active pair
 * @param control  the control-queue state (promiscuous, MAC filters, active pairs), live
 * @param failures where to report a queue the driver broke
 */
public record NetDataPlane(GuestMemory memory, long features, List<DataQueue> queues,
                           NetControlState control, QueueFailureListener failures) {

    /** Copies the queue list. */
    public NetDataPlane {
        queues = List.copyOf(queues);
    }

    /** Whether {@code feature} was negotiated. */
    public boolean has(VirtioFeature feature) {
        return feature.in(features);
    }

    /**
     * The virtio-net header size (spec 5.1.6): 12 bytes for a VERSION_1 device (num_buffers is
     * always present then), 10 for a legacy one without MRG_RXBUF.
     */
    public int vnetHeaderSize() {
        return has(VirtioFeature.VERSION_1) || has(VirtioFeature.NET_MRG_RXBUF) ? 12 : 10;
    }
}
