/**
 * Bindings to {@code linux/vhost.h} and {@code linux/vhost_types.h}: request numbers and struct
 * layouts only, no behaviour. Kept apart from the wrappers in {@code io.virtio4j.vhostnet} so they
 * can be regenerated or compared with the headers on their own.
 */
package io.virtio4j.vhostnet.bindings;
