package io.virtio4j.vhostuser;

import java.time.Duration;
import io.virtio4j.testing.OpenFds;
import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.ProtocolFeature;
import io.virtio4j.vhostuser.protocol.Request;

import org.junit.jupiter.api.Test;

import static io.virtio4j.vhostuser.BackendSessionTest.GPA;
import static io.virtio4j.vhostuser.BackendSessionTest.MEM_SIZE;
import static io.virtio4j.vhostuser.BackendSessionTest.UVA;
import static io.virtio4j.vhostuser.BackendSessionTest.oneRegion;
import static io.virtio4j.vhostuser.BackendSessionTest.ringAddr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile front-end on a raw socket. Every bad message must end in an error reply (REPLY_ACK = 1)
 * with the connection still serving, or in that connection alone being dropped; never a crash, an
 * out-of-bounds access, a leaked fd or a leftover mapping.
 */
class HostileFrontendTest {

    /** Sends a memory table with one region mapped from a fresh memfd of {@code fileSize} bytes. */
    private static long memTable(Frontend f, long fileSize, long[] words) {
        int mem = TestFiles.memfd(fileSize);
        try {
            return f.call(Request.SET_MEM_TABLE, words, mem);
        } finally {
            TestFiles.close(mem);
        }
    }

    private static void assertRejected(Frontend f, long ack, long rejectedBefore) {
        assertEquals(1, ack, "expected an error reply");
        assertEquals(rejectedBefore + 1, f.counters.rejected());
        f.assertAlive();
    }

    @Test
    void wrongProtocolVersionDropsTheConnection() throws Exception {
        try (Frontend f = new Frontend()) {
            f.send(Request.GET_FEATURES.id(), 0x2, 0, new long[0]);
            f.assertDisconnected();
            assertEquals(1, f.counters.disconnects());
        }
    }

    @Test
    void oversizedPayloadDropsTheConnection() throws Exception {
        try (Frontend f = new Frontend()) {
            // Declares 4 GiB - 1 of payload: never allocated, never read.
            f.send(Request.SET_FEATURES.id(), Message.VERSION, 0xFFFF_FFFFL, new long[] {0});
            f.assertDisconnected();
        }
    }

    @Test
    void replyFlagOnARequestIsRejected() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            f.send(Request.SET_VRING_NUM.id(), Message.VERSION | Message.REPLY | Message.NEED_REPLY, 8, new long[] {256L << 32});
            assertRejected(f, f.ack(Request.SET_VRING_NUM), 0);
        }
    }

    @Test
    void unknownHeaderFlagBitsAreRejected() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            // Bit 4 and bit 31: reserved by vhost-user.rst, meaning nothing to this back-end.
            for (int bit : new int[] {0x10, 0x8000_0000}) {
                long before = f.counters.rejected();
                f.send(Request.SET_VRING_NUM.id(), Message.VERSION | Message.NEED_REPLY | bit, 8, new long[] {256L << 32});
                assertRejected(f, f.ack(Request.SET_VRING_NUM), before);
            }
            assertEquals(0, f.session.vring(0).size(), "a message with unknown flags must not be applied");
        }
    }

    @Test
    void kickCallAndErrFdsThatAreNoEventfdsAreRefusedAndClosed() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            long fdsBefore = TestFiles.openFds();
            int refused = 0;
            for (Request r : new Request[] {Request.SET_VRING_KICK, Request.SET_VRING_CALL, Request.SET_VRING_ERR}) {
                // A regular file and a socket: either could block a write or never signal.
                for (int fd : new int[] {TestFiles.memfd(4096), TestFiles.socketFd()}) {
                    long rejected = f.counters.rejected();
                    try {
                        assertRejected(f, f.call(r, new long[] {0}, fd), rejected);
                    } finally {
                        TestFiles.close(fd);
                    }
                    refused++;
                    assertEquals(refused, f.counters.refusedFds());
                }
            }
            assertEquals(-1, f.session.vring(0).kickFd());
            assertEquals(-1, f.session.vring(0).callFd());
            assertEquals(-1, f.session.vring(0).errFd());
            TestFiles.waitFor(() -> TestFiles.openFds() <= fdsBefore, "every refused fd closed");
            // An eventfd is still accepted.
            int call = TestFiles.eventfd();
            try {
                assertEquals(0, f.call(Request.SET_VRING_CALL, new long[] {0}, call));
            } finally {
                TestFiles.close(call);
            }
        }
    }

    @Test
    void wrongPayloadSizeIsRejected() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            f.send(Request.SET_VRING_NUM.id(), Message.VERSION | Message.NEED_REPLY, 4, new long[] {256});
            assertRejected(f, f.ack(Request.SET_VRING_NUM), 0);
            f.send(Request.SET_VRING_ADDR.id(), Message.VERSION | Message.NEED_REPLY, 48, new long[6]);
            assertRejected(f, f.ack(Request.SET_VRING_ADDR), 1);
            assertEquals(0, f.session.vring(0).size());
        }
    }

    @Test
    void unknownRequestsGetAnErrorReply() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            f.send(99, Message.VERSION | Message.NEED_REPLY, 16, new long[] {1, 2});
            assertEquals(1, f.reply(99));
            f.send(-1, Message.VERSION | Message.NEED_REPLY, 0, new long[0]);
            assertEquals(1, f.reply(-1));
            // Implemented elsewhere but not here (GET_INFLIGHT_FD, 31): also refused, not crashed on.
            f.send(31, Message.VERSION | Message.NEED_REPLY, 8, new long[] {0});
            assertEquals(1, f.reply(31));
            assertEquals(3, f.counters.unknownRequests());
            f.assertAlive();
        }
    }

    @Test
    void tooManyFdsDropTheConnectionAndAreAllClosed() throws Exception {
        OpenFds.Snapshot before = OpenFds.snapshot();
        try (Frontend f = new Frontend()) {
            f.negotiate();
            int[] fds = new int[10];
            for (int i = 0; i < fds.length; i++) {
                fds[i] = TestFiles.eventfd();
            }
            f.send(Request.SET_MEM_TABLE.id(), Message.VERSION | Message.NEED_REPLY, 40, oneRegion(GPA, MEM_SIZE, UVA, 0), fds);
            for (int fd : fds) {
                TestFiles.close(fd);
            }
            f.assertDisconnected();
        }
        before.assertNoneOpenedSince("the refused fds", Duration.ofSeconds(5));
    }

    @Test
    void tooFewFdsForTheRegionsAreRejected() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            long[] two = {2, GPA, MEM_SIZE, UVA, 0, GPA + MEM_SIZE, MEM_SIZE, UVA + MEM_SIZE, 0};
            assertRejected(f, memTable(f, MEM_SIZE, two), 0);
            assertNull(f.session.memory());
            // And no fd at all.
            assertRejected(f, f.call(Request.SET_MEM_TABLE, oneRegion(GPA, MEM_SIZE, UVA, 0)), 1);
        }
    }

    @Test
    void fdsOnRequestsThatTakeNoneAreRejectedAndClosed() throws Exception {
        OpenFds.Snapshot before = OpenFds.snapshot();
        try (Frontend f = new Frontend()) {
            f.negotiate();
            int fd = TestFiles.eventfd();
            assertRejected(f, f.call(Request.SET_VRING_NUM, new long[] {256L << 32}, fd), 0);
            // The kick carries the NOFD flag and an fd anyway.
            assertRejected(f, f.call(Request.SET_VRING_KICK, new long[] {0x100}, fd), 1);
            // ... or no NOFD flag and no fd.
            assertRejected(f, f.call(Request.SET_VRING_CALL, new long[] {0}), 2);
            TestFiles.close(fd);
        }
        before.assertNoneOpenedSince("the rejected requests' fds", Duration.ofSeconds(5));
    }

    @Test
    void overlappingRegionsAreRejected() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            int a = TestFiles.memfd(MEM_SIZE);
            int b = TestFiles.memfd(MEM_SIZE);
            long[] guestOverlap = {2, GPA, MEM_SIZE, UVA, 0, GPA + 0x1000, MEM_SIZE, UVA + MEM_SIZE, 0};
            assertRejected(f, f.call(Request.SET_MEM_TABLE, guestOverlap, a, b), 0);
            long[] userOverlap = {2, GPA, MEM_SIZE, UVA, 0, GPA + MEM_SIZE, MEM_SIZE, UVA + 0x1000, 0};
            assertRejected(f, f.call(Request.SET_MEM_TABLE, userOverlap, a, b), 1);
            TestFiles.close(a);
            TestFiles.close(b);
            assertEquals(0, TestFiles.testMappings());
        }
    }

    @Test
    void regionArithmeticOverflowIsRejected() throws Exception {
        // DPDK CVE-2020-10722 class: base + size wrapping makes a small mapping look large.
        try (Frontend f = new Frontend()) {
            f.negotiate();
            assertRejected(f, memTable(f, MEM_SIZE, oneRegion(0x7FFF_FFFF_FFFF_F000L, 0x2000, UVA, 0)), 0);
            assertRejected(f, memTable(f, MEM_SIZE, oneRegion(GPA, -4096L, UVA, 0)), 1);
            assertRejected(f, memTable(f, MEM_SIZE, oneRegion(GPA, MEM_SIZE, -8192L, 0)), 2);
            assertRejected(f, memTable(f, MEM_SIZE, oneRegion(GPA, MEM_SIZE, UVA, Long.MAX_VALUE - 4096)), 3);
            assertEquals(0, TestFiles.testMappings());
        }
    }

    @Test
    void aRegionEndingNearTwoToTheSixtyThreeInASparseFileIsRejected() throws Exception {
        // A memfd can be truncated to 2^63 - 1 bytes without backing them: the region fits the file,
        // but the mapping rounded up to whole pages would end past 2^63.
        try (Frontend f = new Frontend()) {
            f.negotiate();
            OpenFds.Snapshot fds = OpenFds.snapshot();
            assertRejected(f, memTable(f, Long.MAX_VALUE, oneRegion(GPA, 4096, UVA, Long.MAX_VALUE - 4096)), 0);
            assertEquals(0, f.counters.disconnects(), "the connection was dropped instead of the request refused");
            fds.assertNoneOpenedSince("the refused table's fd", Duration.ofSeconds(5));
            assertEquals(0, TestFiles.testMappings());
        }
    }

    @Test
    void zeroSizeRegionIsRejected() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            assertRejected(f, memTable(f, MEM_SIZE, oneRegion(GPA, 0, UVA, 0)), 0);
        }
    }

    @Test
    void regionBeyondTheEndOfItsFileIsRejected() throws Exception {
        // Mapping past EOF would SIGBUS the whole process on first touch.
        try (Frontend f = new Frontend()) {
            f.negotiate();
            assertRejected(f, memTable(f, MEM_SIZE, oneRegion(GPA, MEM_SIZE, UVA, 0x1000)), 0);
            assertRejected(f, memTable(f, 4096, oneRegion(GPA, MEM_SIZE, UVA, 0)), 1);
            int sock = TestFiles.socketFd();
            assertRejected(f, f.call(Request.SET_MEM_TABLE, oneRegion(GPA, MEM_SIZE, UVA, 0), sock), 2);
            TestFiles.close(sock);
        }
    }

    @Test
    void tooManyRegionsAreRejected() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            long[] words = new long[1 + 4 * 9];
            words[0] = 9;
            // 9 regions do not fit the 8-region payload: refused by the size rule.
            assertRejected(f, memTable(f, MEM_SIZE, words), 0);
            // nregions = 9 in a payload of legal size: refused by the count rule.
            long[] lying = oneRegion(GPA, MEM_SIZE, UVA, 0);
            lying[0] = 9;
            assertRejected(f, memTable(f, MEM_SIZE, lying), 1);
        }
    }

    @Test
    void ringAddressesOutsideEveryRegionAreRejected() throws Exception {
        // DPDK CVE-2018-1059 / CVE-2020-10723 class: a translated range used without checking it is all mapped.
        try (Frontend f = new Frontend()) {
            f.negotiate();
            assertEquals(0, memTable(f, MEM_SIZE, oneRegion(GPA, MEM_SIZE, UVA, 0)));
            assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {256L << 32}));
            assertRejected(f, f.call(Request.SET_VRING_ADDR, ringAddr(0, 0x1000, UVA + 0x2000, UVA + 0x3000)), 0);
            // Starts inside, ends past the region: the used ring needs 6 + 8 * 256 bytes.
            assertRejected(f, f.call(Request.SET_VRING_ADDR, ringAddr(0, UVA, UVA + MEM_SIZE - 64, UVA + 0x3000)), 1);
            // Misaligned descriptor table.
            assertRejected(f, f.call(Request.SET_VRING_ADDR, ringAddr(0, UVA + 8, UVA + 0x2000, UVA + 0x3000)), 2);
            assertEquals(0, f.call(Request.SET_VRING_ADDR, ringAddr(0, UVA, UVA + 0x2000, UVA + 0x3000)));
        }
    }

    @Test
    void badQueueSizesAreRejected() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            long n = 0;
            for (long size : new long[] {0, 100, 65536, 0xFFFF_FFFFL}) {
                assertRejected(f, f.call(Request.SET_VRING_NUM, new long[] {size << 32}), n++);
            }
            assertEquals(0, f.session.vring(0).size());
            assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {32768L << 32}));
            assertEquals(32768, f.session.vring(0).size());
        }
    }

    @Test
    void aPackedRingTakesAnySizeUpTo32768AndNothingElse() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate(true);
            long n = 0;
            for (long size : new long[] {0, 32769, 65536, 0xFFFF_FFFFL}) {
                assertRejected(f, f.call(Request.SET_VRING_NUM, new long[] {size << 32}), n++);
            }
            for (int size : new int[] {1, 100, 1000, 32767}) {
                assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {(long) size << 32}), "size " + size);
                assertEquals(size, f.session.vring(0).size());
            }
        }
    }

    @Test
    void queueIndexOutOfRangeIsRejected() throws Exception {
        // A ring index used before it is checked against the ring count (DPDK fixed vring-index checks in
        // the same 19.11.2 security release as CVE-2020-10722..10726).
        try (Frontend f = new Frontend()) {
            f.negotiate();
            assertRejected(f, f.call(Request.SET_VRING_NUM, new long[] {(256L << 32) | 2}), 0);
            assertRejected(f, f.call(Request.SET_VRING_BASE, new long[] {0xFFFF_FFFFL}), 1);
            assertRejected(f, f.call(Request.SET_VRING_ENABLE, new long[] {(1L << 32) | 0x80}), 2);
            int kick = TestFiles.eventfd();
            assertRejected(f, f.call(Request.SET_VRING_KICK, new long[] {0xFF}, kick), 3);
            TestFiles.close(kick);
            // GET_VRING_BASE is answered with state, so a bad index there ends the connection.
            f.send(Request.GET_VRING_BASE.id(), Message.VERSION, 8, new long[] {77});
            f.assertDisconnected();
        }
    }

    @Test
    void truncatedMessageEndsTheSession() throws Exception {
        try (Frontend f = new Frontend()) {
            f.msg.header(Request.SET_FEATURES.id(), Message.VERSION, 8);
            f.socket.send(f.msg.buffer(), Message.HEADER_SIZE + 3);
            f.socket.shutdownWrite();
            f.thread.join(5000);
            assertFalse(f.thread.isAlive());
            assertEquals(1, f.counters.disconnects());
        }
    }

    @Test
    void oneHostileConnectionDoesNotDisturbAnother() throws Exception {
        VhostUserCounters shared = new VhostUserCounters();
        try (Frontend good = new Frontend(BackendConfig.net(1), shared); Frontend bad = new Frontend(BackendConfig.net(1), shared)) {
            good.negotiate();
            assertEquals(0, memTable(good, MEM_SIZE, oneRegion(GPA, MEM_SIZE, UVA, 0)));
            bad.send(Request.SET_MEM_TABLE.id(), 0x3, 40, oneRegion(GPA, MEM_SIZE, UVA, 0));
            bad.assertDisconnected();
            good.assertAlive();
            assertTrue(good.session.memory() != null);
        }
    }

    @Test
    void memorySlotsCannotBeExhausted() throws Exception {
        // Resources per message are bounded (CVE-2020-10725 class: memory leaked per message): ADD_MEM_REG stops at the slot limit.
        try (Frontend f = new Frontend(new BackendConfig(BackendConfig.VIRTIO_F_VERSION_1, ProtocolFeature.IMPLEMENTED, 1, 8),
                new VhostUserCounters())) {
            f.negotiate();
            for (int i = 0; i < 9; i++) {
                int mem = TestFiles.memfd(4096);
                long ack = f.call(Request.ADD_MEM_REG, new long[] {0, GPA + 4096L * i, 4096, UVA + 4096L * i, 0}, mem);
                TestFiles.close(mem);
                assertEquals(i < 8 ? 0 : 1, ack, "slot " + i);
            }
            assertEquals(8, f.session.memory().regionCount());
            assertEquals(8, TestFiles.testMappings());
        }
        assertEquals(0, TestFiles.testMappings());
    }

    @Test
    void requestsNeedingAnUnnegotiatedFeatureAreRejected() throws Exception {
        try (Frontend f = new Frontend()) {
            // No SET_FEATURES / SET_PROTOCOL_FEATURES yet: REPLY_ACK is not on, so probe with a round trip.
            f.send(Request.NET_SET_MTU.id(), Message.VERSION, 8, new long[] {1500});
            f.assertAlive();
            assertEquals(0, f.session.mtu());
            assertEquals(1, f.counters.rejected());
            int mem = TestFiles.memfd(4096);
            f.send(Request.ADD_MEM_REG.id(), Message.VERSION, 40, new long[] {0, GPA, 4096, UVA, 0}, mem);
            TestFiles.close(mem);
            f.assertAlive();
            assertNull(f.session.memory());
            assertEquals(2, f.counters.rejected());
        }
    }
}
