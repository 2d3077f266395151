package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.memory.FdMapping;
import io.virtio4j.vhostuser.net.VhostUserNetPort;
import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.transport.Fds;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.DriverQueue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.virtio4j.vhostuser.BackendSessionTest.GPA;
import static io.virtio4j.vhostuser.BackendSessionTest.MEM_SIZE;
import static io.virtio4j.vhostuser.BackendSessionTest.UVA;
import static io.virtio4j.vhostuser.BackendSessionTest.oneRegion;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The port's data path against vring-impl's in-process driver, over guest memory shared through a
 * memfd exactly as a front-end shares it: the test maps the memfd as "the guest", the back-end maps
 * it from SET_MEM_TABLE.
 */
class NetPortTest {
    static final int QSIZE = 64;
    static final long RX_RING = GPA + 0x10000;
    static final long TX_RING = GPA + 0x20000;
    static final long BUFFERS = GPA + 0x100000;
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    int mem;
    FdMapping guestView;
    GuestMemory guest;
    VhostUserNetPort port = new VhostUserNetPort(1, 9000);
    Frontend f;
    DriverQueue rx;
    DriverQueue tx;
    int rxCall;
    int txCall;

    static long uva(long gpa) {
        return UVA + (gpa - GPA);
    }

    @BeforeEach
    void connect() {
        mem = TestFiles.memfd(MEM_SIZE);
        guestView = FdMapping.map(Fds.dup(Platform.linux(), mem), 0, MEM_SIZE);
        guest = GuestMemory.of(GuestRegion.of(GPA, guestView.region()));
        f = new Frontend(BackendConfig.net(1), new VhostUserCounters(), port);
        f.negotiate(packed());
        assertEquals(0, f.call(Request.SET_MEM_TABLE, oneRegion(GPA, MEM_SIZE, UVA, 0), mem));
        QueueLayout rxLayout = layoutAt(RX_RING);
        QueueLayout txLayout = layoutAt(TX_RING);
        rx = new DriverQueue(guest, rxLayout);
        tx = new DriverQueue(guest, txLayout);
        rxCall = TestFiles.eventfd();
        txCall = TestFiles.eventfd();
        setUpRing(0, rxLayout, rxCall);
        setUpRing(1, txLayout, txCall);
        assertTrue(port.ready(0));
    }

    /** Whether the rings are packed (VIRTIO_F_RING_PACKED negotiated); {@link PackedNetPortTest} says yes. */
    boolean packed() {
        return false;
    }

    /** The rings' size: {@link #QSIZE}; {@link OddSizePackedNetPortTest} takes one that is no power of two. */
    int queueSize() {
        return QSIZE;
    }

    /** A ring of {@link #queueSize} at {@code base}, of this test's kind, with EVENT_IDX and INDIRECT_DESC. */
    QueueLayout layoutAt(long base) {
        return packed() ? QueueLayout.packed(queueSize(), base, true, true) : QueueLayout.contiguous(queueSize(), base, true, true);
    }

    /** A position the device reports: a split index, or a packed slot in the first lap (wrap counter 1). */
    int firstLap(int slot) {
        return packed() ? slot | 0x8000 : slot;
    }

    void setUpRing(int index, QueueLayout layout, int call) {
        setUpRing(index, layout, call, firstLap(0));
    }

    void setUpRing(int index, QueueLayout layout, int call, int base) {
        assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {((long) queueSize() << 32) | index}));
        assertEquals(0, f.call(Request.SET_VRING_ADDR, new long[] {index, uva(layout.descAddr()), uva(layout.usedAddr()),
                uva(layout.availAddr()), 0}));
        assertEquals(0, f.call(Request.SET_VRING_BASE, new long[] {((long) base << 32) | index}));
        int kick = TestFiles.eventfd();
        assertEquals(0, f.call(Request.SET_VRING_KICK, new long[] {index}, kick));
        assertEquals(0, f.call(Request.SET_VRING_CALL, new long[] {index}, call));
        TestFiles.close(kick);
        assertEquals(0, f.call(Request.SET_VRING_ENABLE, new long[] {(1L << 32) | index}));
    }

    @AfterEach
    void close() throws Exception {
        f.close();
        guestView.close();
        TestFiles.close(mem);
        TestFiles.close(rxCall);
        TestFiles.close(txCall);
    }

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    @Test
    void framesTheDriverTransmitsReachTheHandlerWithoutTheHeader() throws InterruptedException {
        byte[] frame = pattern(60, 1);
        guest.slice(BUFFERS, 12).fill((byte) 0);
        guest.write(BUFFERS + 0x100, MemorySegment.ofArray(frame), 0, frame.length);
        tx.enableInterrupts(true);
        int head = tx.add(new long[] {BUFFERS, BUFFERS + 0x100}, new int[] {12, 60}, new boolean[] {false, false}, 2);
        tx.publish();
        List<byte[]> got = new ArrayList<>();
        assertEquals(1, port.receive(0, (buf, off, len) -> got.add(buf.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE)), 32));
        assertEquals(1, got.size());
        assertArrayEquals(frame, got.get(0));
        int[] ids = new int[4];
        int[] lens = new int[4];
        assertEquals(1, tx.reclaim(ids, lens, 4));
        assertEquals(head, ids[0]);
        assertEquals(0, lens[0]);
        assertEquals(1, TestFiles.awaitSignals(() -> TestFiles.drainEventfd(txCall), 1), "the driver asked for an interrupt and got one");
        assertEquals(0, port.receive(0, (buf, off, len) -> got.add(null), 32));
    }

    @Test
    void framesSentLandInTheDriversRxBuffersBehindAHeader() throws InterruptedException {
        rx.enableInterrupts(true);
        int head = rx.add(new long[] {BUFFERS}, new int[] {2048}, new boolean[] {true}, 1);
        rx.publish();
        byte[] frame = pattern(100, 3);
        assertEquals(1, port.send(0, new MemorySegment[] {MemorySegment.ofArray(frame)}, new long[] {100}, 1));
        int[] ids = new int[4];
        int[] lens = new int[4];
        assertEquals(1, rx.reclaim(ids, lens, 4));
        assertEquals(head, ids[0]);
        assertEquals(112, lens[0]);
        assertEquals(1, guest.readShort(BUFFERS + 10), "num_buffers");
        assertArrayEquals(frame, guest.slice(BUFFERS + 12, 100).toArray(ValueLayout.JAVA_BYTE));
        assertEquals(1, TestFiles.awaitSignals(() -> TestFiles.drainEventfd(rxCall), 1));
        // No buffers left: the frame is not delivered.
        assertEquals(0, port.send(0, new MemorySegment[] {MemorySegment.ofArray(frame)}, new long[] {100}, 1));
    }

    @Test
    void mergeableBuffersCarryAFrameLargerThanOneBuffer() {
        for (int i = 0; i < 4; i++) {
            rx.add(new long[] {BUFFERS + 0x1000L * i}, new int[] {64}, new boolean[] {true}, 1);
        }
        rx.publish();
        byte[] frame = pattern(150, 5);
        assertEquals(1, port.send(0, new MemorySegment[] {MemorySegment.ofArray(frame)}, new long[] {150}, 1));
        int[] ids = new int[4];
        int[] lens = new int[4];
        assertEquals(3, rx.reclaim(ids, lens, 4));
        assertArrayEquals(new int[] {64, 64, 34}, new int[] {lens[0], lens[1], lens[2]});
        assertEquals(3, guest.readShort(BUFFERS + 10), "num_buffers");
        byte[] joined = new byte[150];
        MemorySegment.copy(guest.slice(BUFFERS + 12, 52), ValueLayout.JAVA_BYTE, 0, joined, 0, 52);
        MemorySegment.copy(guest.slice(BUFFERS + 0x1000, 64), ValueLayout.JAVA_BYTE, 0, joined, 52, 64);
        MemorySegment.copy(guest.slice(BUFFERS + 0x2000, 34), ValueLayout.JAVA_BYTE, 0, joined, 116, 34);
        assertArrayEquals(frame, joined);
    }

    @Test
    void getVringBaseReportsWhereTheDataPathStopped() {
        for (int i = 0; i < 3; i++) {
            tx.add(new long[] {BUFFERS}, new int[] {80}, new boolean[] {false}, 1);
        }
        tx.publish();
        assertEquals(3, port.receive(0, (buf, off, len) -> { }, 32));
        f.send(Request.GET_VRING_BASE.id(), Message.VERSION, 8, new long[] {1});
        assertEquals(((long) firstLap(3) << 32) | 1, f.reply(Request.GET_VRING_BASE.id()));
        assertEquals(0, port.receive(0, (buf, off, len) -> { }, 32), "a stopped ring is not processed");
        assertEquals(3, port.received());
    }

    @Test
    void aHeaderSplitAcrossDescriptorsIsHandled() {
        // DPDK CVE-2022-2132 class: a virtio-net header spread over several small descriptors.
        byte[] frame = pattern(70, 9);
        guest.write(BUFFERS + 0x300, MemorySegment.ofArray(frame), 0, frame.length);
        tx.add(new long[] {BUFFERS, BUFFERS + 0x100, BUFFERS + 0x200, BUFFERS + 0x300}, new int[] {4, 1, 7, 70},
                new boolean[] {false, false, false, false}, 4);
        tx.publish();
        List<byte[]> got = new ArrayList<>();
        assertEquals(1, port.receive(0, (buf, off, len) -> got.add(buf.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE)), 32));
        assertArrayEquals(frame, got.get(0));
    }

    @Test
    void hostileBuffersAreDroppedNotFollowed() {
        // CVE-2018-1059 class: a buffer outside guest memory is never translated.
        tx.add(new long[] {0x1000}, new int[] {100}, new boolean[] {false}, 1);
        // Header only, no frame: dropped by the port.
        tx.add(new long[] {BUFFERS}, new int[] {12}, new boolean[] {false}, 1);
        // Larger than the port's largest frame.
        tx.add(new long[] {BUFFERS}, new int[] {12 + 9001}, new boolean[] {false}, 1);
        tx.publish();
        assertEquals(0, port.receive(0, (buf, off, len) -> { }, 32));
        assertEquals(2, port.dropped());
        int[] ids = new int[4];
        int[] lens = new int[4];
        assertEquals(3, tx.reclaim(ids, lens, 4), "every chain goes back to the driver");
        // An RX chain with no writable buffer cannot take a frame.
        rx.add(new long[] {BUFFERS}, new int[] {2048}, new boolean[] {false}, 1);
        rx.publish();
        byte[] frame = pattern(64, 1);
        assertEquals(0, port.send(0, new MemorySegment[] {MemorySegment.ofArray(frame)}, new long[] {64}, 1));
        assertEquals(3, port.dropped());
        assertEquals(1, rx.reclaim(ids, lens, 4));
        assertEquals(0, lens[0]);
    }

    /** Whether bit {@code page} is set in a vhost-user dirty log. */
    private static boolean logged(MemorySegment log, long page) {
        return (log.get(ValueLayout.JAVA_BYTE, page / 8) & (1 << (page % 8))) != 0;
    }

    @Test
    void guestWritesAreLoggedInTheDirtyBitmapDuringMigration() {
        // One bit per 4 KiB page up to the end of guest memory (GPA + 2 MiB).
        long logBytes = ((GPA + MEM_SIZE) >>> 12) / 8;
        int log = TestFiles.memfd(logBytes);
        try (FdMapping logView = FdMapping.map(Fds.dup(Platform.linux(), log), 0, logBytes)) {
            // LOG_ALL on running rings, as QEMU does at migration start.
            long offered = BackendConfig.net(1).offeredFeatures();
            assertEquals(0, f.call(Request.SET_FEATURES, new long[] {packed() ? offered : offered & ~BackendConfig.VIRTIO_F_RING_PACKED}));
            f.send(Request.SET_LOG_BASE.id(), Message.VERSION, 16, new long[] {logBytes, 0}, log);
            assertEquals(0, f.reply(Request.SET_LOG_BASE.id()));
            assertTrue(port.ready(0), "rings restarted after the feature change");
            rx.add(new long[] {BUFFERS + 0x5000}, new int[] {2048}, new boolean[] {true}, 1);
            rx.publish();
            byte[] frame = pattern(64, 2);
            assertEquals(1, port.send(0, new MemorySegment[] {MemorySegment.ofArray(frame)}, new long[] {64}, 1));
            long bufferPage = (BUFFERS + 0x5000) >>> 12;
            // Split: the used ring's page. Packed: the descriptor ring's, where used descriptors go
            // (the device event structure right after it shares the page).
            long usedPage = (packed() ? layoutAt(RX_RING).descAddr() : layoutAt(RX_RING).usedAddr()) >>> 12;
            assertEquals(usedPage, layoutAt(RX_RING).usedAddr() >>> 12, "one ring page either way");
            assertTrue(logged(logView.region(), bufferPage), "the RX buffer's page");
            assertTrue(logged(logView.region(), usedPage), "the RX ring page the device writes");
            long set = 0;
            for (long i = 0; i < logBytes; i++) {
                set += Integer.bitCount(logView.region().get(ValueLayout.JAVA_BYTE, i) & 0xFF);
            }
            assertEquals(2, set, "exactly the two written pages");
        } finally {
            TestFiles.close(log);
        }
    }

    @Test
    void aDirtyLogWhoseSizeOverflowsEndsTheConnection() throws Exception {
        // DPDK CVE-2020-10722: mmap_offset + mmap_size wrapped, mapping less than the log claims.
        int log = TestFiles.memfd(4096);
        assertEquals(2, TestFiles.testMappings(), "the test's guest view and the back-end's memory");
        f.send(Request.SET_LOG_BASE.id(), Message.VERSION, 16, new long[] {-4096L, 8192}, log);
        TestFiles.close(log);
        f.assertDisconnected();
        assertEquals(1, TestFiles.testMappings(), "only the test's own guest view is left: no log, no guest memory");
        assertEquals(false, port.ready(0), "the rings stopped with the session");
    }

    @Test
    void sendRarpAnnouncesTheGuestMacAheadOfTheNextFrames() {
        // MAC 52:54:00:12:34:56 in the first six bytes of the u64 payload.
        long payload = 0x52L | 0x54L << 8 | 0x00L << 16 | 0x12L << 24 | 0x34L << 32 | 0x56L << 40;
        assertEquals(0, f.call(Request.SEND_RARP, new long[] {payload}));
        rx.add(new long[] {BUFFERS}, new int[] {2048}, new boolean[] {true}, 1);
        rx.add(new long[] {BUFFERS + 0x1000}, new int[] {2048}, new boolean[] {true}, 1);
        rx.publish();
        byte[] frame = pattern(64, 4);
        assertEquals(1, port.send(0, new MemorySegment[] {MemorySegment.ofArray(frame)}, new long[] {64}, 1));
        int[] ids = new int[4];
        int[] lens = new int[4];
        assertEquals(2, rx.reclaim(ids, lens, 4));
        assertEquals(12 + 60, lens[0]);
        byte[] rarp = guest.slice(BUFFERS + 12, 60).toArray(ValueLayout.JAVA_BYTE);
        byte[] mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
        assertArrayEquals(new byte[] {-1, -1, -1, -1, -1, -1}, java.util.Arrays.copyOfRange(rarp, 0, 6));
        assertArrayEquals(mac, java.util.Arrays.copyOfRange(rarp, 6, 12));
        assertArrayEquals(new byte[] {(byte) 0x80, 0x35}, java.util.Arrays.copyOfRange(rarp, 12, 14));
        assertArrayEquals(new byte[] {0, 3}, java.util.Arrays.copyOfRange(rarp, 20, 22));
        assertArrayEquals(mac, java.util.Arrays.copyOfRange(rarp, 22, 28));
        assertArrayEquals(frame, guest.slice(BUFFERS + 0x1000 + 12, 64).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void aFailingHandlerDoesNotStrandTheBurst() {
        for (int i = 0; i < 2; i++) {
            tx.add(new long[] {BUFFERS}, new int[] {80}, new boolean[] {false}, 1);
        }
        tx.publish();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> port.receive(0, (buf, off, len) -> { throw new IllegalStateException("handler bug"); }, 32));
        int[] ids = new int[4];
        int[] lens = new int[4];
        assertEquals(2, tx.reclaim(ids, lens, 4), "both chains went back to the driver");
        assertEquals(2, port.dropped());
    }
}
