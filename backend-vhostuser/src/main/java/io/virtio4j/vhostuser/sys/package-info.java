/**
 * FFM bindings for what only vhost-user needs: {@code AF_UNIX} sockets and {@code sendmsg}/{@code recvmsg}
 * with {@code SCM_RIGHTS} ({@link io.virtio4j.vhostuser.sys.Libc}, errno captured) and the LP64 struct
 * offsets they use ({@link io.virtio4j.vhostuser.sys.Structs}). Generic calls (close, mmap, ...) go through
 * virtio-api's {@code Platform}.
 */
package io.virtio4j.vhostuser.sys;
