package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.Request;

import org.junit.jupiter.api.Test;

import static io.virtio4j.vhostuser.BackendSessionTest.GPA;
import static io.virtio4j.vhostuser.BackendSessionTest.MEM_SIZE;
import static io.virtio4j.vhostuser.BackendSessionTest.UVA;
import static io.virtio4j.vhostuser.BackendSessionTest.oneRegion;
import static io.virtio4j.vhostuser.BackendSessionTest.ringAddr;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Many sessions, good and hostile, ending every way a session can end; afterwards this process has
 * exactly the fds and mappings it had before. The class of DPDK CVE-2019-14818 (fds leaked on
 * rejected messages), CVE-2020-10726 (fd leak) and CVE-2020-10725 (memory leak).
 */
class ResourceLeakTest {
    private static final int ROUNDS = 150;

    @Test
    void hostileSessionsLeaveNoFdOrMappingBehind() throws Exception {
        // Warm up once so lazily created JDK/JUnit resources are not counted as leaks.
        oneRound(0);
        long fdsBefore = TestFiles.openFds();
        // Only mappings a session can make (of files the front-end sent), exactly: the JVM's own
        // mappings (thread stacks, malloc arenas) come and go with load and are not counted.
        long mapsBefore = TestFiles.sharedFileMappings();
        for (int i = 0; i < ROUNDS; i++) {
            oneRound(i);
        }
        assertEquals(0, TestFiles.testMappings(), "a guest-memory mapping survived its session");
        assertEquals(fdsBefore, TestFiles.openFds(), "fds leaked");
        assertEquals(mapsBefore, TestFiles.sharedFileMappings(), "mappings of peer files survived their sessions");
    }

    /** One session: map memory, set up a running ring with fds, then misbehave in way {@code i % 7}. */
    private static void oneRound(int i) throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            int mem = TestFiles.memfd(MEM_SIZE);
            int kick = TestFiles.eventfd();
            int call = TestFiles.eventfd();
            try {
                assertEquals(0, f.call(Request.SET_MEM_TABLE, oneRegion(GPA, MEM_SIZE, UVA, 0), mem));
                assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {256L << 32}));
                assertEquals(0, f.call(Request.SET_VRING_ADDR, ringAddr(0, UVA, UVA + 0x2000, UVA + 0x3000)));
                assertEquals(0, f.call(Request.SET_VRING_CALL, new long[] {0}, call));
                assertEquals(0, f.call(Request.SET_VRING_KICK, new long[] {0}, kick));
                switch (i % 7) {
                    case 0 -> f.send(Request.SET_MEM_TABLE.id(), 0x2, 40, oneRegion(GPA, MEM_SIZE, UVA, 0), mem, kick);
                    case 1 -> f.send(Request.SET_MEM_TABLE.id(), Message.VERSION, 40, oneRegion(GPA, MEM_SIZE, UVA, 0),
                            mem, mem, mem, mem, mem, mem, mem, mem, mem, mem);
                    case 2 -> assertEquals(1, f.call(Request.SET_MEM_TABLE, oneRegion(GPA, MEM_SIZE, UVA, 4096), mem));
                    case 3 -> assertEquals(1, f.call(Request.SET_VRING_NUM, new long[] {256L << 32}, kick, call));
                    case 4 -> f.send(Request.SET_LOG_BASE.id(), Message.VERSION, 16, new long[] {-4096L, 8192}, mem);
                    case 5 -> {
                        // A valid log that stays mapped until the session ends.
                        f.send(Request.SET_LOG_BASE.id(), Message.VERSION, 16, new long[] {4096, 0}, mem);
                        assertEquals(0, f.reply(Request.SET_LOG_BASE.id()));
                    }
                    default -> {
                        // A clean goodbye with everything still mapped and running.
                    }
                }
            } finally {
                TestFiles.close(mem);
                TestFiles.close(kick);
                TestFiles.close(call);
            }
        }
    }
}
