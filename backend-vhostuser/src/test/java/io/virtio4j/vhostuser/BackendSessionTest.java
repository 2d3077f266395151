package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.memory.FdMapping;
import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.ProtocolFeature;
import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.protocol.VringState;
import io.virtio4j.vhostuser.transport.Fds;

import java.lang.foreign.MemorySegment;
import java.util.List;

import io.virtio4j.api.platform.Platform;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A well-behaved front-end's whole handshake, as QEMU and DPDK virtio-user send it. */
class BackendSessionTest {
    static final long MEM_SIZE = 2L << 20;
    static final long UVA = 0x7f00_0000_0000L;
    static final long GPA = 0x1_0000_0000L;

    /** SET_MEM_TABLE words for one region [GPA, +MEM_SIZE) at UVA. */
    static long[] oneRegion(long gpa, long size, long uva, long offset) {
        return new long[] {1, gpa, size, uva, offset};
    }

    /** SET_VRING_ADDR words for ring {@code index} with parts at the given user addresses. */
    static long[] ringAddr(int index, long desc, long used, long avail) {
        return new long[] {index & 0xFFFFFFFFL, desc, used, avail, 0};
    }

    /** Maps one memfd region and sets up ring 0 (size 256) without starting it. */
    static void setUpRing0(Frontend f) {
        int mem = TestFiles.memfd(MEM_SIZE);
        try {
            assertEquals(0, f.call(Request.SET_MEM_TABLE, oneRegion(GPA, MEM_SIZE, UVA, 0), mem));
        } finally {
            TestFiles.close(mem);
        }
        assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {256L << 32}));
        assertEquals(0, f.call(Request.SET_VRING_ADDR, ringAddr(0, UVA + 0x10000, UVA + 0x30000, UVA + 0x20000)));
        assertEquals(0, f.call(Request.SET_VRING_BASE, new long[] {7L << 32}));
    }

    @Test
    void baseZeroOverAUsedRingThatMovedResumesFromTheUsedIndex() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            setUpRing0(f);
            // The driver's used ring says a previous back-end completed 5 chains; a front-end that
            // lost its ring state (DPDK virtio-user on reconnect) still sends base 0.
            f.session.memory().write(GPA + 0x30000 + 2, MemorySegment.ofArray(new byte[] {5, 0}), 0, 2);
            assertEquals(0, f.call(Request.SET_VRING_BASE, new long[] {0}));
            int kick = TestFiles.eventfd();
            assertEquals(0, f.call(Request.SET_VRING_KICK, new long[] {0}, kick));
            TestFiles.close(kick);
            assertEquals(0, f.call(Request.SET_VRING_ENABLE, new long[] {1L << 32}));
            assertEquals(List.of("start 0 base 5"), f.listener.events);
            assertEquals(1, f.counters.ringRestores());
        }
    }

    /** GET_FEATURES, then every offered protocol feature set, but no SET_FEATURES yet; returns the offered features. */
    static long protocolFeaturesOnly(Frontend f) {
        f.send(Request.GET_FEATURES.id(), Message.VERSION, 0, new long[0]);
        long offered = f.reply(Request.GET_FEATURES.id());
        f.send(Request.GET_PROTOCOL_FEATURES.id(), Message.VERSION, 0, new long[0]);
        long protocol = f.reply(Request.GET_PROTOCOL_FEATURES.id());
        f.send(Request.SET_PROTOCOL_FEATURES.id(), Message.VERSION, 8, new long[] {protocol});
        return offered;
    }

    @Test
    void aRingEnabledBeforeSetFeaturesStartsWithoutAnotherEnable() throws Exception {
        try (Frontend f = new Frontend()) {
            // QEMU 7.2's order: protocol features, SET_VRING_ENABLE 1 (virtio-net's queue attach),
            // then SET_FEATURES with PROTOCOL_FEATURES and the rings; no SET_VRING_ENABLE after.
            long offered = protocolFeaturesOnly(f);
            assertEquals(0, f.call(Request.SET_OWNER, new long[0]));
            assertEquals(0, f.call(Request.SET_VRING_ENABLE, new long[] {1L << 32}));
            assertEquals(0, f.call(Request.SET_FEATURES, new long[] {offered}));
            setUpRing0(f);
            int kick = TestFiles.eventfd();
            assertEquals(0, f.call(Request.SET_VRING_KICK, new long[] {0}, kick));
            TestFiles.close(kick);
            assertEquals(List.of("start 0 base 7"), f.listener.events);
            assertEquals(0, f.counters.rejected());
        }
    }

    @Test
    void setVringEnableAfterFeaturesWithoutProtocolFeaturesIsRefused() throws Exception {
        try (Frontend f = new Frontend()) {
            long offered = protocolFeaturesOnly(f);
            assertEquals(0, f.call(Request.SET_FEATURES, new long[] {offered & ~ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES}));
            assertEquals(1, f.call(Request.SET_VRING_ENABLE, new long[] {1L << 32}));
            assertEquals(1, f.counters.rejected());
        }
    }

    @Test
    void fullHandshakeStartsAndStopsRing() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            assertTrue(f.session.owned());
            assertEquals(ProtocolFeature.IMPLEMENTED, f.session.protocolFeatures());
            setUpRing0(f);
            assertNotNull(f.session.memory());
            assertEquals(GPA, f.session.memory().region(0).guestBase());

            int kick = TestFiles.eventfd();
            int call = TestFiles.eventfd();
            assertEquals(0, f.call(Request.SET_VRING_CALL, new long[] {0}, call));
            assertEquals(0, f.call(Request.SET_VRING_KICK, new long[] {0}, kick));
            TestFiles.close(kick);
            TestFiles.close(call);
            // PROTOCOL_FEATURES negotiated: the ring waits for SET_VRING_ENABLE.
            assertEquals(List.of(), f.listener.events);
            assertEquals(0, f.call(Request.SET_VRING_ENABLE, new long[] {1L << 32}));
            assertEquals(List.of("start 0 base 7"), f.listener.events);
            VringState ring = f.session.vring(0);
            assertTrue(ring.running());
            assertEquals(GPA + 0x10000, ring.descAddress());
            assertEquals(GPA + 0x20000, ring.availAddress());
            assertEquals(GPA + 0x30000, ring.usedAddress());

            // A running ring refuses reconfiguration.
            assertEquals(1, f.call(Request.SET_VRING_NUM, new long[] {128L << 32}));

            f.listener.stopIndex = 42;
            f.send(Request.GET_VRING_BASE.id(), Message.VERSION, 8, new long[] {0});
            assertEquals(42L << 32, f.reply(Request.GET_VRING_BASE.id()));
            assertEquals(List.of("start 0 base 7", "stop 0"), f.listener.events);
            assertEquals(-1, ring.kickFd());

            f.send(Request.GET_QUEUE_NUM.id(), Message.VERSION, 0, new long[0]);
            assertEquals(1, f.reply(Request.GET_QUEUE_NUM.id()));
            f.send(Request.GET_MAX_MEM_SLOTS.id(), Message.VERSION, 0, new long[0]);
            assertEquals(32, f.reply(Request.GET_MAX_MEM_SLOTS.id()));
            assertEquals(0, f.call(Request.NET_SET_MTU, new long[] {9000}));
            assertEquals(9000, f.session.mtu());
            assertEquals(0, f.call(Request.SET_STATUS, new long[] {0xF}));
            f.send(Request.GET_STATUS.id(), Message.VERSION, 0, new long[0]);
            assertEquals(0xF, f.reply(Request.GET_STATUS.id()));
            assertEquals(0, f.call(Request.SEND_RARP, new long[] {0x0000_5254_0012_3456L}));
        }
    }

    @Test
    void withoutProtocolFeaturesTheRingStartsOnKick() throws Exception {
        try (Frontend f = new Frontend()) {
            f.send(Request.SET_FEATURES.id(), Message.VERSION, 8, new long[] {BackendConfig.VIRTIO_F_VERSION_1});
            int mem = TestFiles.memfd(MEM_SIZE);
            f.send(Request.SET_MEM_TABLE.id(), Message.VERSION, 40, oneRegion(GPA, MEM_SIZE, UVA, 0), mem);
            TestFiles.close(mem);
            f.send(Request.SET_VRING_NUM.id(), Message.VERSION, 8, new long[] {64L << 32});
            f.send(Request.SET_VRING_ADDR.id(), Message.VERSION, 40, ringAddr(0, UVA, UVA + 0x2000, UVA + 0x1000));
            int kick = TestFiles.eventfd();
            f.send(Request.SET_VRING_KICK.id(), Message.VERSION, 8, new long[] {0}, kick);
            TestFiles.close(kick);
            // No REPLY_ACK here: a round trip proves the backend processed everything before it.
            f.assertAlive();
            assertEquals(List.of("start 0 base 0"), f.listener.events);
            assertEquals(0, f.counters.rejected());
        }
    }

    @Test
    void setMemTableReplacesTheOldMappings() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            for (int i = 0; i < 5; i++) {
                int mem = TestFiles.memfd(MEM_SIZE);
                assertEquals(0, f.call(Request.SET_MEM_TABLE, oneRegion(GPA, MEM_SIZE, UVA, 0), mem));
                TestFiles.close(mem);
            }
            // Replace, never accumulate (DPDK CVE-2020-10725 class: memory leaked per message).
            assertEquals(1, TestFiles.testMappings());
        }
        assertEquals(0, TestFiles.testMappings());
    }

    @Test
    void addAndRemoveMemoryRegions() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            int a = TestFiles.memfd(MEM_SIZE);
            int b = TestFiles.memfd(MEM_SIZE);
            assertEquals(0, f.call(Request.ADD_MEM_REG, new long[] {0, GPA, MEM_SIZE, UVA, 0}, a));
            assertEquals(0, f.call(Request.ADD_MEM_REG, new long[] {0, GPA + MEM_SIZE, MEM_SIZE, UVA + MEM_SIZE, 0}, b));
            TestFiles.close(a);
            TestFiles.close(b);
            assertEquals(2, f.session.memory().regionCount());
            assertEquals(2, TestFiles.testMappings());
            assertEquals(0, f.call(Request.REM_MEM_REG, new long[] {0, GPA, MEM_SIZE, UVA, 0}));
            assertEquals(1, f.session.memory().regionCount());
            assertEquals(1, TestFiles.testMappings());
            // Removing what is not there is an error, not a crash.
            assertEquals(1, f.call(Request.REM_MEM_REG, new long[] {0, GPA, MEM_SIZE, UVA, 0}));
            assertEquals(0, f.call(Request.REM_MEM_REG, new long[] {0, GPA + MEM_SIZE, MEM_SIZE, UVA + MEM_SIZE, 0}));
            assertNull(f.session.memory());
        }
        assertEquals(0, TestFiles.testMappings());
    }

    @Test
    void guestWritesAreVisibleThroughTheSharedMapping() throws Exception {
        try (Frontend f = new Frontend()) {
            f.negotiate();
            int mem = TestFiles.memfd(MEM_SIZE);
            // mmap_offset honoured: guest address GPA is file offset 0x1000.
            assertEquals(0, f.call(Request.SET_MEM_TABLE, oneRegion(GPA, MEM_SIZE - 0x1000, UVA, 0x1000), mem));
            f.session.memory().slice(GPA + 8, 8).set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1122334455667788L);
            try (FdMapping check = FdMapping.map(Fds.dup(Platform.linux(), mem), 0, MEM_SIZE)) {
                assertEquals(0x1122334455667788L, check.region().get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0x1008));
            }
            TestFiles.close(mem);
        }
    }
}
