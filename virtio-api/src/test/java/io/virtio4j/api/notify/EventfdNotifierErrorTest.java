package io.virtio4j.api.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;

/** {@link EventfdNotifier} over a mocked {@link Platform}: failures the kernel rarely gives on demand. */
class EventfdNotifierErrorTest {
    private static final int FD = 42;
    private Platform platform;

    @BeforeEach
    void mockPlatform() {
        platform = mock(Platform.class);
        when(platform.eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC)).thenReturn(FD);
    }

    @Test
    void aFailedReadIsSurfacedNotSwallowed() {
        NativeException eio = new NativeException("read", Errno.EIO);
        when(platform.read(eq(FD), any(MemorySegment.class), eq(8L))).thenThrow(eio);
        try (EventfdNotifier n = EventfdNotifier.create(platform)) {
            assertSame(eio, assertThrows(NativeException.class, n::consume));
        }
    }

    @Test
    void aFailedWriteIsSurfacedNotSwallowed() {
        when(platform.write(eq(FD), any(MemorySegment.class), eq(8L))).thenThrow(new NativeException("write", Errno.EBADF));
        try (EventfdNotifier n = EventfdNotifier.create(platform)) {
            NativeException e = assertThrows(NativeException.class, n::signal);
            assertEquals("write() failed: EBADF (Bad file descriptor)", e.getMessage());
        }
    }

    @Test
    void wouldBlockMeansNothingPendingOnConsumeAndAlreadySignalledOnSignal() {
        when(platform.read(eq(FD), any(MemorySegment.class), eq(8L))).thenReturn(Platform.WOULD_BLOCK);
        when(platform.write(eq(FD), any(MemorySegment.class), eq(8L))).thenReturn(Platform.WOULD_BLOCK);
        try (EventfdNotifier n = EventfdNotifier.create(platform)) {
            n.signal();
            assertEquals(0, n.consume());
        }
    }

    @Test
    void signalWritesTheEightByteValueOne() {
        when(platform.write(eq(FD), any(MemorySegment.class), eq(8L))).thenAnswer(call -> {
            MemorySegment buffer = call.getArgument(1);
            assertEquals(1L, buffer.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
            return 8L;
        });
        try (EventfdNotifier n = EventfdNotifier.create(platform)) {
            n.signal();
        }
        verify(platform).write(eq(FD), any(MemorySegment.class), eq(8L));
    }

    @Test
    void aShortReadMeansTheFdIsNotAnEventfd() {
        when(platform.read(eq(FD), any(MemorySegment.class), eq(8L))).thenReturn(4L);
        try (EventfdNotifier n = EventfdNotifier.create(platform)) {
            assertThrows(IllegalStateException.class, n::consume);
        }
    }

    @Test
    void closeClosesTheFdExactlyOnce() {
        EventfdNotifier n = EventfdNotifier.create(platform);
        n.close();
        n.close();
        verify(platform, times(1)).close(FD);
    }

    @Test
    void aFailedEventfdCreationIsSurfaced() {
        when(platform.eventfd(anyInt(), anyInt())).thenThrow(new NativeException("eventfd", Errno.EMFILE));
        NativeException e = assertThrows(NativeException.class, () -> EventfdNotifier.create(platform));
        assertEquals("EMFILE", e.errnoName());
    }

    @Test
    void adoptClosesTheFdWhenItCannotBeMadeNonBlocking() {
        when(platform.fcntl(FD, LinuxConstants.F_GETFL, 0)).thenReturn(LinuxConstants.O_RDWR);
        when(platform.fcntl(eq(FD), eq(LinuxConstants.F_SETFL), anyLong())).thenThrow(new NativeException("fcntl", Errno.EPERM));
        assertThrows(NativeException.class, () -> EventfdNotifier.adopt(platform, FD));
        verify(platform).close(FD);
    }
}
