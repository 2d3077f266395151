/**
 * virtio4j API: guest memory, virtio features and device status, event notifiers, the virtqueue
 * model, the native platform and the counter model (Agrona counters). Depends on SLF4J and Agrona.
 */
module io.virtio4j.api {
    requires org.slf4j;
    requires transitive org.agrona;

    exports io.virtio4j.api.concurrent;
    exports io.virtio4j.api.counters;
    exports io.virtio4j.api.memory;
    exports io.virtio4j.api.feature;
    exports io.virtio4j.api.kvm;
    exports io.virtio4j.api.log;
    exports io.virtio4j.api.status;
    exports io.virtio4j.api.notify;
    exports io.virtio4j.api.platform;
    // The struct layouts (iovec, epoll_event, mmsghdr, sockaddr_in) of the raw bindings, for the modules
    // that build those structs for Platform calls; the downcalls themselves stay behind Platform.
    exports io.virtio4j.api.platform.bindings to io.virtio4j.vring, io.virtio4j.tap, io.virtio4j.vhostuser,
            io.virtio4j.ovs;
    exports io.virtio4j.api.queue;
}
