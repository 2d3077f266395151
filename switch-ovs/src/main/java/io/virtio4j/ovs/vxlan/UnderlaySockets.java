package io.virtio4j.ovs.vxlan;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.platform.bindings.SockaddrIn;
import io.virtio4j.ovs.model.Ipv4;

/**
 * A VXLAN port's plain UDP sockets on the underlay, so the kernel routes and builds the outer
 * Ethernet/IP/UDP headers (with the UDP checksum): one bound to the local address and the VXLAN
 * port, on which datagrams arrive, and {@link #SOURCES} bound to the local address and a port the
 * kernel picks, from which datagrams leave. RFC 7348 asks for a source port hashed from the inner
 * flow so the underlay's ECMP spreads flows; a plain socket has one source port, so a flow's hash
 * picks one of these sockets (as OVS and Linux pick a port from a range).
 */
final class UnderlaySockets implements AutoCloseable {
    /** Source sockets (distinct UDP source ports) flows are spread over. */
    static final int SOURCES = 8;
    private static final int TYPE = LinuxConstants.SOCK_DGRAM | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC;
    /** Socket buffers big enough for a few bursts of jumbo frames. */
    private static final int BUFFER_BYTES = 4 << 20;

    private final Platform platform;
    /** Every socket, the receiving one first; the int fields below are their numbers for the hot path. */
    private final OwnedFd[] owned = new OwnedFd[SOURCES + 1];
    private final int receiveFd;
    private final int[] sourceFds = new int[SOURCES];
    private final int[] sourcePorts = new int[SOURCES];
    private final int receivePort;

    UnderlaySockets(Platform platform, int local, int udpPort) {
        this.platform = platform;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(SockaddrIn.SIZE, 8);
            receiveFd = open(0, address, local, udpPort);
            receivePort = boundPort(receiveFd, address);
            for (int i = 0; i < SOURCES; i++) {
                sourceFds[i] = open(i + 1, address, local, 0);
                sourcePorts[i] = boundPort(sourceFds[i], address);
            }
        } catch (RuntimeException e) {
            for (OwnedFd fd : owned) {
                if (fd != null) {
                    fd.closeAfter(e);
                }
            }
            throw e;
        }
    }

    /** A bound UDP socket, owned in {@code owned[slot]} (so a later failure closes it too). */
    private int open(int slot, MemorySegment address, int local, int port) {
        OwnedFd socket = OwnedFd.adopt(platform, platform.socket(LinuxConstants.AF_INET, TYPE, LinuxConstants.IPPROTO_UDP));
        owned[slot] = socket;
        int fd = socket.get();
        try {
            platform.setsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVBUF, BUFFER_BYTES);
            platform.setsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_SNDBUF, BUFFER_BYTES);
            SockaddrIn.set(address, 0, LinuxConstants.AF_INET, local, port);
            platform.bind(fd, address, SockaddrIn.SIZE);
            return fd;
        } catch (NativeException e) {
            throw new NativeException("bind", "UDP " + Ipv4.format(local) + ":" + port, e.errno());
        }
    }

    private int boundPort(int fd, MemorySegment address) {
        platform.getsockname(fd, address);
        return SockaddrIn.port(address, 0);
    }

    private void closeQuietly(int fd, RuntimeException cause) {
        if (fd < 0) {
            return;
        }
        try {
            platform.close(fd);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** The socket datagrams arrive on. */
    int receiveFd() {
        return receiveFd;
    }

    /** The port it is bound to (the configured one, or the kernel's pick for 0). */
    int receivePort() {
        return receivePort;
    }

    /** The source socket for a flow of hash {@code flowHash}. */
    int sourceFd(int flowHash) {
        return sourceFds[Math.floorMod(flowHash, SOURCES)];
    }

    /** Source socket {@code i}'s UDP port. */
    int sourcePort(int i) {
        return sourcePorts[i];
    }

    /** Closes every socket, once; the first failure is thrown after all were tried. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (OwnedFd fd : owned) {
            try {
                fd.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
