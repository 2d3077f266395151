package io.virtio4j.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtio4j.api.platform.bindings.IoVec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class IovecArrayTest {
    @Test
    void setWritesAddressAndLength() {
        try (Arena arena = Arena.ofConfined()) {
            IovecArray iovecs = new IovecArray(arena, 2);
            MemorySegment buffer = arena.allocate(100);
            iovecs.set(1, buffer, 60);
            assertEquals(buffer.address(), IoVec.base(iovecs.segment(), 1));
            assertEquals(60, IoVec.length(iovecs.segment(), 1));
        }
    }

    @Test
    void everyWayOfPointingTheKernelOutsideABufferIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            IovecArray iovecs = new IovecArray(arena, 2);
            MemorySegment buffer = arena.allocate(100);
            assertThrows(IndexOutOfBoundsException.class, () -> iovecs.set(2, buffer, 10));
            assertThrows(IndexOutOfBoundsException.class, () -> iovecs.set(-1, buffer, 10));
            assertThrows(IndexOutOfBoundsException.class, () -> iovecs.set(0, buffer, 101));
            assertThrows(IndexOutOfBoundsException.class, () -> iovecs.set(0, buffer, -1));
            assertThrows(IllegalArgumentException.class, () -> iovecs.set(0, MemorySegment.ofArray(new byte[10]), 10));
            assertThrows(IllegalArgumentException.class, () -> new IovecArray(arena, 0));
            assertThrows(IllegalArgumentException.class, () -> new IovecArray(arena, 1025));
        }
    }

    @Test
    void shiftDownMovesTheLaterEntriesToTheFrontAndStaysInsideTheArray() {
        try (Arena arena = Arena.ofConfined()) {
            IovecArray iovecs = new IovecArray(arena, 4);
            MemorySegment buffer = arena.allocate(100);
            for (int i = 0; i < 4; i++) {
                iovecs.set(i, buffer, 10 + i);
            }
            iovecs.shiftDown(1, 3);
            assertEquals(11, IoVec.length(iovecs.segment(), 0));
            assertEquals(12, IoVec.length(iovecs.segment(), 1));
            assertEquals(13, IoVec.length(iovecs.segment(), 2));
            assertThrows(IndexOutOfBoundsException.class, () -> iovecs.shiftDown(2, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> iovecs.shiftDown(-1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> iovecs.shiftDown(0, -1));
        }
    }
}
