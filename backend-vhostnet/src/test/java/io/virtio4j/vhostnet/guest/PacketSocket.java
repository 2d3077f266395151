package io.virtio4j.vhostnet.guest;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;

/**
 * An {@code AF_PACKET} raw socket bound to one interface and one ethertype: the far side of the
 * TAP. What the vhost worker transmits into the TAP arrives in the kernel as received on that
 * interface and is read here; what is written here leaves through the interface, i.e. into the
 * TAP's queue, where the worker takes it for the receive ring. Non-blocking; reads and writes go
 * through {@link Platform} (one frame per call on a packet socket).
 */
final class PacketSocket implements AutoCloseable {
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** {@code struct sockaddr_ll} (linux/if_packet.h): family, protocol (big-endian), ifindex, hatype, pkttype, halen, addr[8]. */
    private static final StructLayout SOCKADDR_LL = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("sll_family"),
            ValueLayout.JAVA_SHORT.withName("sll_protocol"),
            JAVA_INT.withName("sll_ifindex"),
            ValueLayout.JAVA_SHORT.withName("sll_hatype"),
            ValueLayout.JAVA_BYTE.withName("sll_pkttype"),
            ValueLayout.JAVA_BYTE.withName("sll_halen"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sll_addr"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // int socket(int domain, int type, int protocol);
    private static final MethodHandle SOCKET = LINKER.downcallHandle(LINKER.defaultLookup().find("socket").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    // int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen);
    private static final MethodHandle BIND = LINKER.downcallHandle(LINKER.defaultLookup().find("bind").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);

    private final Platform platform;
    private final int fd;

    private PacketSocket(Platform platform, int fd) {
        this.platform = platform;
        this.fd = fd;
    }

    /** A socket receiving and sending frames of {@code ethertype} on interface {@code ifname}. */
    static PacketSocket open(Platform platform, String ifname, int ethertype) throws IOException {
        int ifindex = Integer.parseInt(Files.readString(Path.of("/sys/class/net", ifname, "ifindex")).strip());
        short protocol = Short.reverseBytes((short) ethertype);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(capture, AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, (int) protocol & 0xffff);
            if (fd < 0) {
                throw new NativeException("socket", "AF_PACKET", (int) ERRNO_VALUE.get(capture, 0L));
            }
            MemorySegment address = arena.allocate(SOCKADDR_LL);
            // In bounds: the fields written are the first 8 bytes of the 20-byte sockaddr_ll.
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
            address.set(ValueLayout.JAVA_SHORT, 2, protocol);
            address.set(JAVA_INT, 4, ifindex);
            int result = (int) BIND.invokeExact(capture, fd, address, (int) SOCKADDR_LL.byteSize());
            if (result < 0) {
                int errno = (int) ERRNO_VALUE.get(capture, 0L);
                platform.close(fd);
                throw new NativeException("bind", ifname, errno);
            }
            return new PacketSocket(platform, fd);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed", t);
        }
    }

    /** Sends one whole Ethernet frame; false if the socket buffer is full. */
    boolean send(MemorySegment frame, int length) {
        return platform.write(fd, frame, length) != Platform.WOULD_BLOCK;
    }

    /** Reads one frame into {@code buffer}: its length, or -1 when none is waiting. */
    int receive(MemorySegment buffer) {
        long n = platform.read(fd, buffer, buffer.byteSize());
        return n == Platform.WOULD_BLOCK ? -1 : (int) n;
    }

    @Override
    public void close() {
        platform.close(fd);
    }
}
