/**
 * The vhost-user protocol (QEMU {@code docs/interop/vhost-user.rst}) over a Unix socket with fd passing,
 * in both roles. Back-end role: {@link io.virtio4j.vhostuser.VhostUserServer} and
 * {@link io.virtio4j.vhostuser.VhostUserClient} run a {@link io.virtio4j.vhostuser.protocol.BackendSession} per
 * connection (every message validated against the {@link io.virtio4j.vhostuser.protocol.Request} table, guest
 * memory mapped from the front-end's fds) and hand the rings to a {@link io.virtio4j.vhostuser.net.VhostUserNetPort}.
 * Front-end (VMM) role: {@link io.virtio4j.vhostuser.VhostUserFrontend} and the {@code vhost-user:}
 * backend ({@link io.virtio4j.vhostuser.VhostUserNetBackend}, registered by
 * {@link io.virtio4j.vhostuser.VhostUserBackendProvider}), which reconnects and hands the rings over again.
 */
package io.virtio4j.vhostuser;
