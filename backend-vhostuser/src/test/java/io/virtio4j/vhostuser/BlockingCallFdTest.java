package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.memory.FdMapping;
import io.virtio4j.vhostuser.net.CallSignaller;
import io.virtio4j.vhostuser.net.VhostUserNetPort;
import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.transport.Fds;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.DriverQueue;

import org.junit.jupiter.api.Test;

import static io.virtio4j.vhostuser.BackendSessionTest.GPA;
import static io.virtio4j.vhostuser.BackendSessionTest.MEM_SIZE;
import static io.virtio4j.vhostuser.BackendSessionTest.UVA;
import static io.virtio4j.vhostuser.BackendSessionTest.oneRegion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A front-end whose call eventfd blocks (O_NONBLOCK cleared on the shared file description, counter
 * filled to 0xfffffffffffffffe) must not stop the thread that completes its chains: the data path
 * hands the interrupt to the session's signaller thread, the stalled write drops that session, and
 * the teardown releases the write and closes every fd.
 */
class BlockingCallFdTest {
    private static final Platform LINUX = Platform.linux();
    private static final int QSIZE = 64;
    private static final long TX_RING = GPA + 0x20000;
    private static final long RX_RING = GPA + 0x10000;
    private static final long BUFFERS = GPA + 0x100000;

    private static long uva(long gpa) {
        return UVA + (gpa - GPA);
    }

    private static void setUpRing(Frontend f, int index, QueueLayout layout, int call) {
        assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {((long) QSIZE << 32) | index}));
        assertEquals(0, f.call(Request.SET_VRING_ADDR, new long[] {index, uva(layout.descAddr()), uva(layout.usedAddr()),
                uva(layout.availAddr()), 0}));
        assertEquals(0, f.call(Request.SET_VRING_BASE, new long[] {index}));
        int kick = TestFiles.eventfd();
        assertEquals(0, f.call(Request.SET_VRING_KICK, new long[] {index}, kick));
        assertEquals(0, f.call(Request.SET_VRING_CALL, new long[] {index}, call));
        TestFiles.close(kick);
        assertEquals(0, f.call(Request.SET_VRING_ENABLE, new long[] {(1L << 32) | index}));
    }

    /** One 60-byte frame on the driver's TX ring, then a receive burst on a "PMD" thread, which must return within 2 s. */
    private static int transmitAndPoll(DriverQueue tx, VhostUserNetPort port) throws Exception {
        tx.add(new long[] {BUFFERS}, new int[] {72}, new boolean[] {false}, 1);
        tx.publish();
        CompletableFuture<Integer> burst = CompletableFuture.supplyAsync(() -> port.receive(0, (frame, offset, length) -> { }, 32));
        try {
            return burst.get(2, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the data path blocked on the front-end's call fd", e);
        }
    }

    @Test
    void aCallFdThatBlocksStopsOnlyItsOwnSession() throws Exception {
        long fdsBefore = TestFiles.openFds();
        int mem = TestFiles.memfd(MEM_SIZE);
        FdMapping guestView = FdMapping.map(Fds.dup(LINUX, mem), 0, MEM_SIZE);
        GuestMemory guest = GuestMemory.of(GuestRegion.of(GPA, guestView.region()));
        VhostUserNetPort port = new VhostUserNetPort(1, 9000);
        // Made blocking (no EFD_NONBLOCK), as the attacker's eventfd is.
        int hostileCall = LINUX.eventfd(0, LinuxConstants.EFD_CLOEXEC);
        int rxCall = TestFiles.eventfd();
        VhostUserCounters counters = new VhostUserCounters();
        Frontend f = new Frontend(BackendConfig.net(1), counters, port);
        try {
            f.negotiate();
            assertEquals(0, f.call(Request.SET_MEM_TABLE, oneRegion(GPA, MEM_SIZE, UVA, 0), mem));
            QueueLayout rxLayout = QueueLayout.contiguous(QSIZE, RX_RING, true, true);
            QueueLayout txLayout = QueueLayout.contiguous(QSIZE, TX_RING, true, true);
            DriverQueue tx = new DriverQueue(guest, txLayout);
            new DriverQueue(guest, rxLayout);
            setUpRing(f, 0, rxLayout, rxCall);
            setUpRing(f, 1, txLayout, hostileCall);
            assertTrue(port.ready(0));
            tx.enableInterrupts(true);

            // The front-end fills the counter and clears O_NONBLOCK, which the back-end set on the shared description.
            try (Arena a = Arena.ofConfined()) {
                MemorySegment max = a.allocate(ValueLayout.JAVA_LONG);
                max.set(ValueLayout.JAVA_LONG, 0, 0xFFFF_FFFF_FFFF_FFFEL);
                assertEquals(8, LINUX.write(hostileCall, max, 8));
            }
            int flags = LINUX.fcntl(hostileCall, LinuxConstants.F_GETFL, 0);
            LINUX.fcntl(hostileCall, LinuxConstants.F_SETFL, flags & ~LinuxConstants.O_NONBLOCK);

            assertEquals(1, transmitAndPoll(tx, port));
            // Counters are read without any ring's lock while the signaller is stuck.
            assertEquals(1, port.received());
            Thread.sleep(CallSignaller.STALL / 1_000_000 + 100);
            // The next burst still returns, and notices the stalled write: the session is dropped.
            assertEquals(1, transmitAndPoll(tx, port));
            f.thread.join(Duration.ofSeconds(5));
            assertFalse(f.thread.isAlive(), "the session with the stalled call fd did not end");
            assertEquals(1, counters.stalledCalls());
            assertFalse(port.ready(0), "the dropped session's rings still run");
        } finally {
            f.close();
            guestView.close();
            TestFiles.close(mem);
            TestFiles.close(hostileCall);
            TestFiles.close(rxCall);
        }
        // The signaller's duplicate of the call fd and its thread are gone with the session.
        TestFiles.waitFor(() -> TestFiles.openFds() <= fdsBefore, "every fd closed");
        TestFiles.waitFor(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("vhost-user-call")), "the signaller thread ended");
    }
}
