package io.virtio4j.api.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.virtio4j.api.memory.GuestMemoryException.Kind;

class GuestMemoryTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    private GuestMemory threeRegions() {
        return threeRegions(arena);
    }

    /** Two adjacent regions [0x1000, 0x2000) and [0x2000, 0x3000), and one apart at [0x10000, 0x10100). */
    static GuestMemory threeRegions(Arena arena) {
        return GuestMemory.of(
                GuestRegion.of(0x2000, arena.allocate(0x1000)),
                GuestRegion.of(0x10000, arena.allocate(0x100)),
                GuestRegion.of(0x1000, arena.allocate(0x1000)));
    }

    @Test
    void regionsAreSortedAndLookedUp() {
        GuestMemory mem = threeRegions();
        assertEquals(3, mem.regionCount());
        assertEquals(0x1000, mem.region(0).guestBase());
        assertEquals(0, mem.regionIndexOf(0x1000));
        assertEquals(0, mem.regionIndexOf(0x1fff));
        assertEquals(1, mem.regionIndexOf(0x2000));
        assertEquals(2, mem.regionIndexOf(0x100ff));
        assertEquals(-1, mem.regionIndexOf(0xfff));
        assertEquals(-1, mem.regionIndexOf(0x3000));
        assertEquals(-1, mem.regionIndexOf(0x10100));
        assertEquals(-1, mem.regionIndexOf(-1));
        assertEquals(0x2100, mem.totalSize());
    }

    @Test
    void overlappingRegionsAreRefused() {
        GuestMemoryException e = assertThrows(GuestMemoryException.class, () -> GuestMemory.of(
                GuestRegion.of(0x1000, arena.allocate(0x1000)),
                GuestRegion.of(0x1fff, arena.allocate(0x10))));
        assertEquals(Kind.OVERLAP, e.kind());
    }

    @Test
    void regionWhoseEndOverflowsIsRefused() {
        GuestMemoryException e = assertThrows(GuestMemoryException.class,
                () -> GuestRegion.of(Long.MAX_VALUE - 4, arena.allocate(16)));
        assertEquals(Kind.OVERFLOW, e.kind());
    }

    @Test
    void noRegionsOrTooManyAreRefused() {
        assertEquals(Kind.BAD_REGION, assertThrows(GuestMemoryException.class,
                () -> GuestMemory.of(List.of())).kind());
        List<GuestRegion> many = new ArrayList<>();
        MemorySegment backing = arena.allocate(GuestMemory.MAX_REGIONS + 1);
        for (int i = 0; i <= GuestMemory.MAX_REGIONS; i++) {
            many.add(GuestRegion.of(i * 2L, backing.asSlice(i, 1)));
        }
        assertEquals(Kind.BAD_REGION, assertThrows(GuestMemoryException.class, () -> GuestMemory.of(many)).kind());
    }

    @Test
    void sliceWithinOneRegion() {
        GuestMemory mem = threeRegions();
        MemorySegment s = mem.slice(0x1ff0, 16);
        assertEquals(16, s.byteSize());
        s.set(ValueLayout.JAVA_BYTE, 15, (byte) 7);
        assertEquals(7, mem.region(0).segment().get(ValueLayout.JAVA_BYTE, 0xfff));
    }

    @Test
    void sliceAcrossRegionsOrOutsideIsRefusedWithTheRightKind() {
        GuestMemory mem = threeRegions();
        assertEquals(Kind.CROSSES_REGION, assertThrows(GuestMemoryException.class, () -> mem.slice(0x1ff0, 32)).kind());
        assertEquals(Kind.UNMAPPED, assertThrows(GuestMemoryException.class, () -> mem.slice(0x2ff0, 32)).kind());
        assertEquals(Kind.UNMAPPED, assertThrows(GuestMemoryException.class, () -> mem.slice(0x5000, 1)).kind());
    }

    @Test
    void hostileArithmeticIsRefusedBeforeAnyAccess() {
        GuestMemory mem = threeRegions();
        assertEquals(Kind.OVERFLOW, assertThrows(GuestMemoryException.class, () -> mem.slice(0x1000, -1)).kind());
        assertEquals(Kind.OVERFLOW, assertThrows(GuestMemoryException.class, () -> mem.slice(Long.MAX_VALUE, 2)).kind());
        assertEquals(Kind.OVERFLOW, assertThrows(GuestMemoryException.class, () -> mem.slice(-16, 32)).kind());
        assertEquals(Kind.OVERFLOW, assertThrows(GuestMemoryException.class,
                () -> mem.read(0x1000, arena.allocate(8), 0, Long.MAX_VALUE)).kind());
        assertFalse(mem.isMapped(0x1000, -5));
        assertFalse(mem.isMapped(Long.MAX_VALUE, 10));
    }

    @Test
    void isMappedFollowsAdjacentRegionsButNotGaps() {
        GuestMemory mem = threeRegions();
        assertTrue(mem.isMapped(0x1000, 0x2000));
        assertFalse(mem.isMapped(0x1000, 0x2001));
        assertTrue(mem.isMapped(0x10000, 0x100));
        assertTrue(mem.isMapped(0x4000, 0));
    }

    @Test
    void translateReturnsTheContiguousPartSoCallersCanSplit() {
        GuestMemory mem = threeRegions();
        Translation first = mem.translate(0x1f00, 0x200, Access.READ);
        assertEquals(0x100, first.contiguous());
        Translation second = mem.translate(0x1f00 + first.contiguous(), 0x100, Access.READ);
        assertEquals(0x100, second.contiguous());
        assertThrows(GuestMemoryException.class, () -> mem.translate(0x3000, 1, Access.READ));
    }

    @Test
    void readAndWriteSplitAcrossRegionsAndReportDirtyWrites() {
        GuestMemory mem = threeRegions();
        List<long[]> dirty = new ArrayList<>();
        mem.dirtyLog((a, l) -> dirty.add(new long[] {a, l}));
        byte[] data = new byte[300];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        MemorySegment src = arena.allocate(data.length);
        MemorySegment.copy(data, 0, src, ValueLayout.JAVA_BYTE, 0, data.length);
        mem.write(0x1f80, src, 0, data.length);
        MemorySegment dst = arena.allocate(data.length);
        mem.read(0x1f80, dst, 0, data.length);
        assertArrayEquals(data, dst.toArray(ValueLayout.JAVA_BYTE));
        assertEquals(1, dirty.size());
        assertEquals(0x1f80, dirty.get(0)[0]);
        assertEquals(300, dirty.get(0)[1]);
    }

    @Test
    void aPartlyUnmappedWriteChangesNothing() {
        GuestMemory mem = threeRegions();
        MemorySegment src = arena.allocate(0x200).fill((byte) 0x5a);
        assertThrows(GuestMemoryException.class, () -> mem.write(0x2f00, src, 0, 0x200));
        assertEquals(0, mem.region(1).segment().get(ValueLayout.JAVA_BYTE, 0xf00));
    }

    @Test
    void copyFromAnotherGuestSplitsOnBothSides() {
        GuestMemory a = threeRegions();
        GuestMemory b = GuestMemory.of(GuestRegion.of(0, arena.allocate(0x80)), GuestRegion.of(0x80, arena.allocate(0x1000)));
        MemorySegment src = arena.allocate(0x180);
        for (int i = 0; i < 0x180; i++) {
            src.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        a.write(0x1f00, src, 0, 0x180);
        b.copyFrom(a, 0x1f00, 0x10, 0x180);
        MemorySegment out = arena.allocate(0x180);
        b.read(0x10, out, 0, 0x180);
        assertEquals(-1, out.mismatch(src));
        assertThrows(GuestMemoryException.class, () -> b.copyFrom(a, 0x2f00, 0, 0x200));
    }

    @Test
    void littleEndianScalarReads() {
        GuestMemory mem = GuestMemory.anonymous(arena, 0x4000, 4096);
        MemorySegment s = mem.slice(0x4000, 8);
        s.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x01);
        s.set(ValueLayout.JAVA_BYTE, 1, (byte) 0x02);
        assertEquals(0x0201, mem.readShort(0x4000));
        assertEquals(0x0201, mem.readInt(0x4000));
        assertEquals(0x0201L, mem.readLong(0x4000));
        assertThrows(GuestMemoryException.class, () -> mem.readLong(0x4000 + 4096 - 4));
    }
}
