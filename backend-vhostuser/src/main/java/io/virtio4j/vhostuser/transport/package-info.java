/**
 * The vhost-user transport, as DPDK's {@code socket.c}: AF_UNIX stream sockets with SCM_RIGHTS fd
 * passing ({@link io.virtio4j.vhostuser.transport.UnixSocket}, {@link io.virtio4j.vhostuser.transport.UnixListener}),
 * the accept/connect-with-retry {@link io.virtio4j.vhostuser.transport.Connector}, the fds a message
 * brought ({@link io.virtio4j.vhostuser.transport.ReceivedFds}) and hang-up detection
 * ({@link io.virtio4j.vhostuser.transport.HangupWatch}). Internal: not exported.
 */
package io.virtio4j.vhostuser.transport;
