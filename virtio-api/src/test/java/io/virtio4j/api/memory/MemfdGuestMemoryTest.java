package io.virtio4j.api.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.testing.OpenFds;
import io.virtio4j.api.platform.Platform;

/** {@link MemfdGuestMemory}: real memfds shared through a second mapping, as a peer would map them. */
class MemfdGuestMemoryTest {
    private static final long MB = 1 << 20;
    private final Platform platform = Platform.linux();

    @Test
    void aWriteThroughGuestMemoryIsSeenThroughASecondMappingOfTheFdAndBack() {
        try (MemfdGuestMemory mem = MemfdGuestMemory.create("vm0", 0x1000_0000L, MB); Arena arena = Arena.ofConfined()) {
            GuestMemory guest = mem.memory();
            GuestRegion region = guest.region(0);
            assertEquals(mem.fd(), region.fd());
            assertEquals(0, region.fdOffset());
            assertTrue(region.shareable());
            assertTrue(OpenFds.target(mem.fd()).startsWith("/memfd:vm0"), OpenFds.target(mem.fd()));

            MemorySegment payload = arena.allocateFrom("virtio over a memfd");
            guest.write(0x1000_0000L + 12345, payload, 0, payload.byteSize());

            // What a vhost-user backend does with the fd it receives: map it itself.
            MemorySegment peer = platform.mmap(MB, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE,
                    LinuxConstants.MAP_SHARED, mem.fd(), region.fdOffset());
            try {
                assertEquals("virtio over a memfd", peer.getString(12345));
                assertTrue(peer.address() != region.segment().address(), "a distinct mapping, not the same pointer");
                peer.set(ValueLayout.JAVA_LONG, MB - 8, 0x0102030405060708L);
                assertEquals(0x0102030405060708L, guest.readLong(0x1000_0000L + MB - 8));
            } finally {
                platform.munmap(peer);
            }
        }
    }

    @Test
    void severalRegionsShareOneFdAtConsecutivePageAlignedOffsetsInGuestOrder() {
        List<MemfdGuestMemory.Range> ranges = List.of(
                new MemfdGuestMemory.Range(0x1_0000_0000L, 2 * MB), // above the 4 GiB hole
                new MemfdGuestMemory.Range(0, 640 * 1024),
                new MemfdGuestMemory.Range(MB, 3 * MB));
        try (MemfdGuestMemory mem = MemfdGuestMemory.create(platform, "vm1", ranges)) {
            GuestMemory guest = mem.memory();
            assertEquals(3, guest.regionCount());
            assertEquals(640 * 1024 + 3 * MB + 2 * MB, mem.fileSize());
            long expectedOffset = 0;
            for (GuestRegion r : guest.regions()) {
                assertEquals(mem.fd(), r.fd());
                assertEquals(expectedOffset, r.fdOffset(), "region at 0x" + Long.toHexString(r.guestBase()));
                assertEquals(0, r.fdOffset() % MemfdGuestMemory.PAGE_SIZE);
                expectedOffset += r.size();
            }
            guest.write(MB + 100, bytes(7, 8, 9), 0, 3);
            guest.write(0x1_0000_0000L, bytes(1), 0, 1);
            assertTrue(!guest.isMapped(640 * 1024, 1), "the gap stays unmapped");

            // One mapping of the whole file sees every region at its offset.
            MemorySegment whole = platform.mmap(mem.fileSize(), LinuxConstants.PROT_READ, LinuxConstants.MAP_SHARED, mem.fd(), 0);
            try {
                GuestRegion middle = guest.region(1);
                GuestRegion high = guest.region(2);
                assertEquals(8, whole.get(ValueLayout.JAVA_BYTE, middle.fdOffset() + 101));
                assertEquals(1, whole.get(ValueLayout.JAVA_BYTE, high.fdOffset()));
            } finally {
                platform.munmap(whole);
            }
        }
    }

    @Test
    void thePeerCannotShrinkTheFileUnderUs() {
        try (MemfdGuestMemory mem = MemfdGuestMemory.create("sealed", 0, MB)) {
            int seals = platform.fcntl(mem.fd(), LinuxConstants.F_GET_SEALS, 0);
            assertEquals(LinuxConstants.F_SEAL_SHRINK | LinuxConstants.F_SEAL_GROW | LinuxConstants.F_SEAL_SEAL, seals);
            NativeException e = assertThrows(NativeException.class, () -> platform.ftruncate(mem.fd(), 4096));
            assertEquals(Errno.EPERM, e.errno());
            mem.memory().write(MB - 1, bytes(5), 0, 1); // still fully backed
        }
    }

    @Test
    void closeUnmapsClosesTheFdAndInvalidatesTheSegments() throws IOException {
        MemfdGuestMemory mem = MemfdGuestMemory.create("closing", 0, MB);
        int fd = mem.fd();
        GuestMemory guest = mem.memory();
        long address = guest.region(0).segment().address();
        assertTrue(mapped(address), "mapped while open");
        mem.close();
        assertTrue(mem.isClosed());
        assertNull(OpenFds.target(fd), "fd closed");
        assertTrue(!mapped(address), "unmapped");
        assertThrows(IllegalStateException.class, () -> guest.readLong(0), "access after close fails in Java, no SIGSEGV");
        mem.close(); // idempotent
    }

    @Test
    void manyCreateCloseCyclesLeakNeitherFdsNorMappings() throws IOException {
        MemfdGuestMemory.create("cycle", 0, 64 * 1024).close();
        long fds = OpenFds.count();
        long maps = mappingCount();
        for (int i = 0; i < 200; i++) {
            try (MemfdGuestMemory mem = MemfdGuestMemory.create(platform, "cycle",
                    List.of(new MemfdGuestMemory.Range(0, 64 * 1024), new MemfdGuestMemory.Range(MB, 4096)))) {
                mem.memory().write(MB, bytes(1), 0, 1);
            }
        }
        assertEquals(fds, OpenFds.count());
        assertEquals(maps, mappingCount());
    }

    @Test
    void badRangesAreRefusedAndLeakNothing() {
        assertThrows(GuestMemoryException.class, () -> new MemfdGuestMemory.Range(0, 1000));
        assertThrows(GuestMemoryException.class, () -> new MemfdGuestMemory.Range(0, 0));
        assertThrows(GuestMemoryException.class, () -> MemfdGuestMemory.create(platform, "none", List.of()));
        long fds = OpenFds.count();
        GuestMemoryException e = assertThrows(GuestMemoryException.class, () -> MemfdGuestMemory.create(platform, "overlap",
                List.of(new MemfdGuestMemory.Range(0, 2 * MB), new MemfdGuestMemory.Range(MB, MB))));
        assertEquals(GuestMemoryException.Kind.OVERLAP, e.kind());
        assertEquals(fds, OpenFds.count(), "the memfd of the refused layout was closed");
    }

    @Test
    void aFailedMmapReleasesEverythingAlreadyDone() {
        Platform mock = mock(Platform.class);
        MemorySegment first = MemorySegment.ofAddress(0x7000_0000_0000L).reinterpret(4096);
        when(mock.memfdCreate(anyString(), anyInt())).thenReturn(9);
        when(mock.mmap(eq(4096L), anyInt(), anyInt(), eq(9), eq(0L))).thenReturn(first);
        NativeException enomem = new NativeException("mmap", Errno.ENOMEM);
        when(mock.mmap(eq(4096L), anyInt(), anyInt(), eq(9), eq(4096L))).thenThrow(enomem);

        NativeException thrown = assertThrows(NativeException.class, () -> MemfdGuestMemory.create(mock, "fail",
                List.of(new MemfdGuestMemory.Range(0, 4096), new MemfdGuestMemory.Range(8192, 4096))));
        assertSame(enomem, thrown);
        verify(mock).munmap(first);
        verify(mock, times(1)).close(9);
    }

    @Test
    void aFailedMemfdCreateLeavesNothingToRelease() {
        Platform mock = mock(Platform.class);
        when(mock.memfdCreate(anyString(), anyInt())).thenThrow(new NativeException("memfd_create", Errno.EMFILE));
        assertThrows(NativeException.class, () -> MemfdGuestMemory.create(mock, "x", List.of(new MemfdGuestMemory.Range(0, 4096))));
        verify(mock, never()).close(anyInt());
        verify(mock, never()).ftruncate(anyInt(), anyLong());
    }

    private static MemorySegment bytes(int... values) {
        MemorySegment s = Arena.ofAuto().allocate(values.length);
        for (int i = 0; i < values.length; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) values[i]);
        }
        return s;
    }

    /** Whether /proc/self/maps has a mapping starting at {@code address}. */
    private static boolean mapped(long address) throws IOException {
        String prefix = Long.toHexString(address) + "-";
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.startsWith(prefix));
    }

    private static long mappingCount() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("/memfd:")).count();
    }
}
