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
    exports io.virtio4j.api.platform.bindings;
    exports io.virtio4j.api.queue;
}
