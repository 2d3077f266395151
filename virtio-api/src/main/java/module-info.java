/**
 * virtio4j API: guest memory, virtio features and device status, event notifiers, the virtqueue
 * model and the native platform. Depends on nothing but SLF4J.
 */
module io.virtio4j.api {
    requires org.slf4j;

    exports io.virtio4j.api.concurrent;
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
