/** What a virtqueue is to its users: its layout in guest memory, descriptor chains and buffers. */
package io.virtio4j.api.queue;
