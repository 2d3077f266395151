/**
 * The vhost-user protocol (QEMU {@code docs/interop/vhost-user.rst}), both roles, as rust-vmm's
 * {@code vhost} crate and DPDK's {@code vhost_user.c}: the wire {@link io.virtio4j.vhostuser.protocol.Message},
 * the {@link io.virtio4j.vhostuser.protocol.Request} table every message is checked against before
 * dispatch, {@link io.virtio4j.vhostuser.protocol.ProtocolFeature} bits, the back-end's
 * {@link io.virtio4j.vhostuser.protocol.BackendSession} (one per connection) with the
 * {@link io.virtio4j.vhostuser.protocol.VringState} it negotiates per ring and hands to a
 * {@link io.virtio4j.vhostuser.protocol.RingListener}, and the front-end's
 * {@link io.virtio4j.vhostuser.protocol.FrontendHandshake}. Internal: exported to the switch only.
 */
package io.virtio4j.vhostuser.protocol;
