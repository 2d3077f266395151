package io.virtio4j.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.api.platform.bindings.MmsgHdr;
import io.virtio4j.api.platform.bindings.SockaddrIn;

import org.junit.jupiter.api.Test;

/**
 * The UDP calls through FFM on loopback: a batch of datagrams leaves in one sendmmsg and arrives in
 * one recvmmsg with each sender's address, a datagram longer than its buffer is flagged MSG_TRUNC,
 * an empty socket answers WOULD_BLOCK, and a message array shorter than its count is refused
 * before the kernel sees it.
 */
class UdpMessagesTest {
    private static final int LOOPBACK = 0x7f000001;
    private static final int TYPE = LinuxConstants.SOCK_DGRAM | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC;

    private final Platform platform = Platform.linux();

    private int boundSocket(Arena arena) {
        int fd = platform.socket(LinuxConstants.AF_INET, TYPE, LinuxConstants.IPPROTO_UDP);
        MemorySegment address = arena.allocate(SockaddrIn.SIZE, 8);
        SockaddrIn.set(address, 0, LinuxConstants.AF_INET, LOOPBACK, 0);
        platform.bind(fd, address, SockaddrIn.SIZE);
        return fd;
    }

    private int portOf(int fd, Arena arena) {
        MemorySegment address = arena.allocate(SockaddrIn.SIZE, 8);
        assertEquals(SockaddrIn.SIZE, platform.getsockname(fd, address));
        return SockaddrIn.port(address, 0);
    }

    @Test
    void aBatchOfDatagramsCrossesLoopbackInOneCallEachWay() {
        try (Arena arena = Arena.ofConfined()) {
            int sender = boundSocket(arena);
            int receiver = boundSocket(arena);
            try {
                platform.setsockopt(receiver, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVBUF, 1 << 20);
                int senderPort = portOf(sender, arena);
                int count = 8;
                MemorySegment to = arena.allocate(SockaddrIn.SIZE, 8);
                SockaddrIn.set(to, 0, LinuxConstants.AF_INET, LOOPBACK, portOf(receiver, arena));
                MemorySegment out = arena.allocate(MmsgHdr.arraySize(count), 8);
                MemorySegment outIov = arena.allocate(IoVec.arraySize(count), 8);
                for (int i = 0; i < count; i++) {
                    MemorySegment payload = arena.allocate(100 + i);
                    payload.fill((byte) i);
                    IoVec.set(outIov, i, payload);
                    MmsgHdr.set(out, i, to.address(), SockaddrIn.SIZE, outIov.address() + IoVec.SIZE * i, 1);
                }
                assertEquals(count, platform.sendmmsg(sender, out, count, 0));
                for (int i = 0; i < count; i++) {
                    assertEquals(100 + i, MmsgHdr.length(out, i), "msg_len of message " + i);
                }

                MemorySegment in = arena.allocate(MmsgHdr.arraySize(count + 2), 8);
                MemorySegment inIov = arena.allocate(IoVec.arraySize(count + 2), 8);
                MemorySegment names = arena.allocate((long) SockaddrIn.SIZE * (count + 2), 8);
                MemorySegment[] buffers = new MemorySegment[count + 2];
                for (int i = 0; i < count + 2; i++) {
                    // The last datagram (107 bytes) gets a 104-byte buffer: truncated.
                    buffers[i] = arena.allocate(i == count - 1 ? 104 : 2048);
                    IoVec.set(inIov, i, buffers[i]);
                    MmsgHdr.set(in, i, names.address() + (long) SockaddrIn.SIZE * i, SockaddrIn.SIZE,
                            inIov.address() + IoVec.SIZE * i, 1);
                }
                int got = platform.recvmmsg(receiver, in, count + 2, 0);
                assertEquals(count, got, "every datagram in one call");
                for (int i = 0; i < count; i++) {
                    assertEquals(senderPort, SockaddrIn.port(names, (long) SockaddrIn.SIZE * i));
                    assertEquals(LOOPBACK, SockaddrIn.address(names, (long) SockaddrIn.SIZE * i));
                    assertEquals((byte) i, buffers[i].get(ValueLayout.JAVA_BYTE, 50));
                    boolean truncated = (MmsgHdr.flags(in, i) & LinuxConstants.MSG_TRUNC) != 0;
                    assertEquals(i == count - 1, truncated, "MSG_TRUNC on message " + i);
                    assertEquals(i == count - 1 ? 104 : 100 + i, MmsgHdr.length(in, i));
                }
                assertEquals(Platform.WOULD_BLOCK, platform.recvmmsg(receiver, in, count, 0), "nothing more waits");
                assertThrows(IllegalArgumentException.class, () -> platform.recvmmsg(receiver, in, count + 3, 0),
                        "an array shorter than the count never reaches the kernel");
                assertThrows(IllegalArgumentException.class, () -> platform.sendmmsg(sender, out, 0, 0));
            } finally {
                platform.close(sender);
                platform.close(receiver);
            }
        }
    }

    @Test
    void bindingAnAddressInUseNamesTheCall() {
        try (Arena arena = Arena.ofConfined()) {
            int first = boundSocket(arena);
            int second = platform.socket(LinuxConstants.AF_INET, TYPE, LinuxConstants.IPPROTO_UDP);
            try {
                MemorySegment address = arena.allocate(SockaddrIn.SIZE, 8);
                SockaddrIn.set(address, 0, LinuxConstants.AF_INET, LOOPBACK, portOf(first, arena));
                NativeException e = assertThrows(NativeException.class, () -> platform.bind(second, address, SockaddrIn.SIZE));
                assertEquals(Errno.EADDRINUSE, e.errno());
                assertTrue(e.getMessage().contains("bind"), e.getMessage());
            } finally {
                platform.close(first);
                platform.close(second);
            }
        }
    }
}
