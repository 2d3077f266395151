/**
 * The vhost-user protocol (QEMU {@code docs/interop/vhost-user.rst}) over a Unix socket with fd passing,
 * in both roles: what an embedder uses. Back-end role: {@link io.virtio4j.vhostuser.VhostUserServer} and
 * {@link io.virtio4j.vhostuser.VhostUserClient} run a session per connection (every message validated
 * against the request table, guest memory mapped from the front-end's fds) and hand the rings to a
 * data path (the switch's vhost-user ports), configured by {@link io.virtio4j.vhostuser.BackendConfig}
 * and bounded by a {@link io.virtio4j.vhostuser.GuestMemoryBudget}.
 * Front-end (VMM) role: {@link io.virtio4j.vhostuser.VhostUserFrontend} and the {@code vhost-user:}
 * backend ({@link io.virtio4j.vhostuser.VhostUserNetBackend}, registered by
 * {@link io.virtio4j.vhostuser.VhostUserBackendProvider}), which reconnects and hands the rings over again.
 * The protocol, transport, guest-memory and data-plane packages beneath are internal (see
 * docs/architecture.md, "Package map").
 */
package io.virtio4j.vhostuser;
