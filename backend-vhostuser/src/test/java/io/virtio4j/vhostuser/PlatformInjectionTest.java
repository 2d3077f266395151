package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.memory.FdMapping;
import io.virtio4j.vhostuser.net.ActiveQueue;
import io.virtio4j.vhostuser.net.CallSignaller;
import io.virtio4j.vhostuser.protocol.VringState;
import io.virtio4j.vhostuser.transport.Fds;
import io.virtio4j.vhostuser.transport.UnixListener;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;

import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * The module's generic native calls (close, dup, mmap, munmap, write) go through the injected
 * {@link Platform}: a Mockito proxy over the real Linux platform records them and injects failures,
 * and the outcomes (errors, errno, fds really closed) are checked against the kernel.
 */
class PlatformInjectionTest {
    private static final long SIZE = 8192;

    private static Platform recordingLinux() {
        return mock(Platform.class, delegatesTo(Platform.linux()));
    }

    private static boolean open(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd));
    }

    @Test
    void mappingMapsUnmapsAndClosesThroughThePlatform() {
        Platform platform = recordingLinux();
        int fd = TestFiles.memfd(SIZE);
        FdMapping mapping = FdMapping.map(platform, fd, 0, SIZE);
        mapping.region().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 42L);
        mapping.close();
        mapping.close();

        InOrder order = inOrder(platform);
        order.verify(platform).mmap(eq(SIZE), anyInt(), anyInt(), eq(fd), eq(0L));
        order.verify(platform).munmap(any(MemorySegment.class));
        order.verify(platform).close(fd);
        verify(platform, times(1)).munmap(any(MemorySegment.class));
        verify(platform, times(1)).close(fd);
        assertFalse(open(fd), "fd closed by the mapping");
    }

    @Test
    void failedMmapIsAVhostUserErrorWithItsErrnoAndTheFdIsClosed() {
        Platform platform = recordingLinux();
        doThrow(new NativeException("mmap", Errno.ENOMEM)).when(platform).mmap(anyLong(), anyInt(), anyInt(), anyInt(), anyLong());
        int fd = TestFiles.memfd(SIZE);

        VhostUserException e = assertThrows(VhostUserException.class, () -> FdMapping.map(platform, fd, 0, SIZE));

        assertEquals(Errno.ENOMEM, e.errno());
        assertTrue(e.fatal());
        assertTrue(e.getMessage().startsWith("mmap of " + SIZE + " bytes failed: errno " + Errno.ENOMEM), e.getMessage());
        verify(platform).close(fd);
        assertFalse(open(fd), "an fd whose mapping failed is not leaked");
    }

    @Test
    void failedUnmapStillClosesTheFd() {
        Platform platform = recordingLinux();
        int fd = TestFiles.memfd(SIZE);
        FdMapping mapping = FdMapping.map(platform, fd, 0, SIZE);
        MemorySegment region = mapping.region();
        // The real unmap is skipped so the mapping stays valid; the failure must not keep the fd open.
        doThrow(new NativeException("munmap", Errno.EINVAL)).when(platform).munmap(any(MemorySegment.class));

        mapping.close();

        verify(platform).close(fd);
        assertFalse(open(fd));
        Platform.linux().munmap(MemorySegment.ofAddress(region.address()).reinterpret(SIZE));
    }

    @Test
    void failedDupIsAVhostUserErrorWithItsErrno() {
        VhostUserException e = assertThrows(VhostUserException.class, () -> Fds.dup(Platform.linux(), 1 << 20));
        assertEquals(Errno.EBADF, e.errno());
        assertTrue(e.getCause() instanceof NativeException, "platform error kept as the cause");
    }

    @Test
    void failingCloseIsAbsorbed() {
        Platform platform = mock(Platform.class);
        doThrow(new NativeException("close", Errno.EIO)).when(platform).close(7);
        Fds.close(platform, 7);
        Fds.close(platform, -1);
        verify(platform, times(1)).close(anyInt());
    }

    @Test
    void socketsCloseTheirFdOnceThroughThePlatform() {
        Platform platform = recordingLinux();
        UnixSocket[] pair = UnixSocket.pair(platform);
        int a = pair[0].fd();
        int b = pair[1].fd();
        pair[0].close();
        pair[0].close();
        pair[1].close();
        verify(platform, times(1)).close(a);
        verify(platform, times(1)).close(b);
        assertFalse(open(a));
        assertFalse(open(b));
    }

    @Test
    void listenerClosesItsFdThroughThePlatform() throws Exception {
        Platform platform = recordingLinux();
        Path dir = Files.createTempDirectory("vu-platform");
        Path sock = dir.resolve("s");
        UnixListener listener = UnixListener.bind(platform, sock);
        UnixSocket client = UnixSocket.connect(sock);
        UnixSocket accepted = listener.accept();
        int acceptedFd = accepted.fd();
        accepted.close();
        client.close();
        listener.close();
        verify(platform).close(acceptedFd);
        verify(platform, times(2)).close(anyInt());
        assertFalse(Files.exists(sock), "path unlinked");
        Files.delete(dir);
    }

    @Test
    void aSessionMapsAndReleasesTheFrontEndsMemoryThroughItsSocketsPlatform() throws Exception {
        Platform platform = recordingLinux();
        try (Frontend f = new Frontend(BackendConfig.net(1), new VhostUserCounters(), null, platform)) {
            f.negotiate();
            BackendSessionTest.setUpRing0(f);
            verify(platform).mmap(eq(BackendSessionTest.MEM_SIZE), anyInt(), anyInt(), anyInt(), eq(0L));
            verify(platform, never()).munmap(any(MemorySegment.class));
        }
        // The session closed on EOF: the region is unmapped and its fd closed, through the same platform.
        verify(platform).munmap(argThat(m -> m.byteSize() == BackendSessionTest.MEM_SIZE));
        assertEquals(0, TestFiles.testMappings(), "no memfd mapping left");
    }

    /** Ring of 8 at 0 (descriptors), 128 (avail), 256 (used) in one zeroed page of guest memory. */
    private static VringState ring(Platform platform, int callFd) {
        VringState ring = new VringState(0, platform);
        ring.size(8);
        ring.guestAddresses(0, 128, 256);
        ring.base(0);
        ring.call(callFd);
        return ring;
    }

    @Test
    void callFdIsSignalledByTheSignallerThroughThePlatformAndAFailureIsCountedNotThrown() throws Exception {
        Platform platform = recordingLinux();
        int call = TestFiles.eventfd();
        CallSignaller signaller = new CallSignaller(platform, "test", () -> { });
        try (Arena arena = Arena.ofConfined()) {
            GuestMemory memory = GuestMemory.of(GuestRegion.of(0, arena.allocate(4096, 4096)));
            VringState ring = ring(platform, call);
            ring.signaller(signaller);
            signaller.attach(0, call);
            ActiveQueue q = new ActiveQueue("vring" + ring.index(), ring, memory, 0, io.virtio4j.vring.DeviceQueue.refusalLogs());
            try {
                q.queue.addUsed(0, 0);
                q.publishAndNotify();
                long[] seen = new long[1];
                TestFiles.waitFor(() -> (seen[0] += TestFiles.drainEventfd(call)) > 0, "the driver saw an interrupt");
                assertEquals(1, seen[0], "the driver saw one interrupt");
                // Written through the platform, on the signaller's own duplicate of the call fd.
                verify(platform).write(org.mockito.ArgumentMatchers.intThat(fd -> fd != call), any(MemorySegment.class), eq(8L));

                doThrow(new NativeException("write", Errno.EBADF)).when(platform).write(anyInt(), any(MemorySegment.class), eq(8L));
                q.queue.addUsed(1, 0);
                q.publishAndNotify();
                TestFiles.waitFor(() -> signaller.failures() == 1, "the failed write counted");
            } finally {
                q.release();
                signaller.close();
                ring.reset();
            }
        }
        assertFalse(open(call), "the ring, not the queue, owns and closes the call fd");
    }
}
