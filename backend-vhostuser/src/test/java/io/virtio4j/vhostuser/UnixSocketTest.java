package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.memory.FdMapping;
import io.virtio4j.vhostuser.transport.ReceivedFds;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnixSocketTest {
    @Test
    void bytesAndFdsCrossAndShortReadsAreJoined() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(64);
            for (int i = 0; i < 64; i++) {
                out.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            int mem = TestFiles.memfd(8192);
            // The first 10 bytes carry the fd; the rest arrives later, so the reader must join them.
            a.send(out, 10, mem);
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                a.send(out.asSlice(10), 54);
            });
            MemorySegment in = arena.allocate(64);
            ReceivedFds fds = new ReceivedFds();
            assertTrue(b.receive(in, 0, 64, fds));
            writer.join();
            assertEquals(-1, in.mismatch(out));
            assertEquals(1, fds.count());
            int got = fds.take(0);
            // The received fd is the same file: its mapping shows the memfd's size.
            try (FdMapping m = FdMapping.map(got, 0, 8192)) {
                assertEquals(8192, m.region().byteSize());
            }
            TestFiles.close(mem);
            a.shutdownWrite();
            assertFalse(b.receive(in, 0, 12, fds), "clean EOF");
        }
    }

    @Test
    void moreThanEightFdsAreRefusedOnBothSides() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16);
            int[] nine = new int[9];
            for (int i = 0; i < nine.length; i++) {
                nine[i] = TestFiles.eventfd();
            }
            assertThrows(VhostUserException.class, () -> a.send(buf, 4, nine));
            long before = TestFiles.openFds();
            a.sendUnchecked(buf, 4, nine);
            ReceivedFds fds = new ReceivedFds();
            VhostUserException e = assertThrows(VhostUserException.class, () -> b.receive(buf, 0, 4, fds));
            assertTrue(e.fatal());
            assertEquals(0, fds.count());
            assertEquals(before, TestFiles.openFds(), "received fds were not all closed");
            for (int fd : nine) {
                TestFiles.close(fd);
            }
        }
    }
}
