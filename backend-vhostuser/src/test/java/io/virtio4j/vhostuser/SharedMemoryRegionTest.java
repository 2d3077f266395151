package io.virtio4j.vhostuser;

import java.time.Duration;
import io.virtio4j.testing.OpenFds;
import io.virtio4j.vhostuser.protocol.ProtocolFeature;
import io.virtio4j.vhostuser.protocol.Request;

import java.util.List;

import org.junit.jupiter.api.Test;

import static io.virtio4j.vhostuser.BackendSessionTest.GPA;
import static io.virtio4j.vhostuser.BackendSessionTest.MEM_SIZE;
import static io.virtio4j.vhostuser.BackendSessionTest.UVA;
import static io.virtio4j.vhostuser.BackendSessionTest.ringAddr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * ADD/REM_MEM_REG as QEMU 7.2 sends them for a multiqueue NIC: one vhost device per queue pair on
 * the same socket, each adding (and later removing) every RAM region. An identical region is one
 * more reference to the mapping; anything else that overlaps is refused.
 */
class SharedMemoryRegionTest {
    private static final long[] REGION = {0, GPA, MEM_SIZE, UVA, 0};

    private static Frontend twoPairs() {
        Frontend f = new Frontend(BackendConfig.net(2), new VhostUserCounters());
        f.negotiate();
        return f;
    }

    @Test
    void theSecondPairsIdenticalRegionIsAReferenceAndUnmappedOnlyAtTheLastRemove() throws Exception {
        int mem = TestFiles.memfd(MEM_SIZE);
        try (Frontend f = twoPairs()) {
            assertEquals(0, f.call(Request.ADD_MEM_REG, REGION, mem));
            long fdsWithOneMapping = TestFiles.openFds();
            assertEquals(0, f.call(Request.ADD_MEM_REG, REGION, mem));
            // The fd that came with the duplicate was closed at once (the reply follows the close).
            assertEquals(fdsWithOneMapping, TestFiles.openFds(), "duplicate region fd kept open");
            assertEquals(1, f.session.memory().regionCount());
            assertEquals(1, TestFiles.testMappings());

            assertEquals(0, f.call(Request.REM_MEM_REG, REGION));
            assertNotNull(f.session.memory(), "first REM_MEM_REG dropped a region the other pair still uses");
            assertEquals(1, TestFiles.testMappings());
            assertEquals(0, f.call(Request.REM_MEM_REG, REGION));
            assertNull(f.session.memory());
            assertEquals(0, TestFiles.testMappings());
            assertEquals(1, f.call(Request.REM_MEM_REG, REGION));
            assertEquals(1, f.counters.rejected());
        } finally {
            TestFiles.close(mem);
        }
    }

    @Test
    void regionsThatOverlapWithoutBeingIdenticalAreRefusedAndTheirFdsClosed() throws Exception {
        int mem = TestFiles.memfd(MEM_SIZE);
        int other = TestFiles.memfd(MEM_SIZE);
        try (Frontend f = twoPairs()) {
            assertEquals(0, f.call(Request.ADD_MEM_REG, REGION, mem));
            OpenFds.Snapshot fds = OpenFds.snapshot();
            // Same numbers, another file: the guest would see two different memories at one address.
            assertEquals(1, f.call(Request.ADD_MEM_REG, REGION, other));
            // Same file, the same guest range at another user address.
            assertEquals(1, f.call(Request.ADD_MEM_REG, new long[] {0, GPA, MEM_SIZE, UVA + MEM_SIZE, 0}, mem));
            // Same file and addresses, half the size.
            assertEquals(1, f.call(Request.ADD_MEM_REG, new long[] {0, GPA, MEM_SIZE / 2, UVA, 0}, mem));
            // Same file, same size and addresses, another file offset.
            assertEquals(1, f.call(Request.ADD_MEM_REG, new long[] {0, GPA, MEM_SIZE / 2, UVA, 4096}, mem));
            assertEquals(4, f.counters.rejected());
            fds.assertNoneOpenedSince("a refused region's fd", Duration.ofSeconds(5));
            assertEquals(1, TestFiles.testMappings());
            // The one reference there is goes with one REM_MEM_REG.
            assertEquals(0, f.call(Request.REM_MEM_REG, REGION));
            assertNull(f.session.memory());
        } finally {
            TestFiles.close(mem);
            TestFiles.close(other);
        }
        assertEquals(0, TestFiles.testMappings());
    }

    @Test
    void aRegionHoldsAtMostOneReferencePerQueuePair() throws Exception {
        int mem = TestFiles.memfd(MEM_SIZE);
        try (Frontend f = twoPairs()) {
            assertEquals(0, f.call(Request.ADD_MEM_REG, REGION, mem));
            assertEquals(0, f.call(Request.ADD_MEM_REG, REGION, mem));
            OpenFds.Snapshot fds = OpenFds.snapshot();
            assertEquals(1, f.call(Request.ADD_MEM_REG, REGION, mem));
            fds.assertNoneOpenedSince("the refused reference's fd", Duration.ofSeconds(5));
            assertEquals(1, f.counters.rejected());
        } finally {
            TestFiles.close(mem);
        }
        assertEquals(0, TestFiles.testMappings());
    }

    @Test
    void runningRingsKeepRunningWhileAnotherPairAddsAndRemovesItsReference() throws Exception {
        int mem = TestFiles.memfd(MEM_SIZE);
        int kick = TestFiles.eventfd();
        try (Frontend f = twoPairs()) {
            assertEquals(0, f.call(Request.ADD_MEM_REG, REGION, mem));
            assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {256L << 32}));
            assertEquals(0, f.call(Request.SET_VRING_ADDR, ringAddr(0, UVA + 0x10000, UVA + 0x30000, UVA + 0x20000)));
            assertEquals(0, f.call(Request.SET_VRING_KICK, new long[] {0}, kick));
            assertEquals(0, f.call(Request.SET_VRING_ENABLE, new long[] {1L << 32}));
            assertEquals(List.of("start 0 base 0"), f.listener.events);
            assertEquals(0, f.call(Request.ADD_MEM_REG, REGION, mem));
            assertEquals(0, f.call(Request.REM_MEM_REG, REGION));
            assertEquals(List.of("start 0 base 0"), f.listener.events, "a reference change restarted the ring");
        } finally {
            TestFiles.close(mem);
            TestFiles.close(kick);
        }
    }

    @Test
    void removingTheRegionARunningRingLivesInUnmapsItAndRestartsTheOtherRings() throws Exception {
        // A hostile (or buggy) front-end removes the region ring 0 lives in while ring 1 runs in another.
        long[] second = {0, GPA + MEM_SIZE, MEM_SIZE, UVA + MEM_SIZE, 0};
        int memA = TestFiles.memfd(MEM_SIZE);
        int memB = TestFiles.memfd(MEM_SIZE);
        int kick0 = TestFiles.eventfd();
        int kick1 = TestFiles.eventfd();
        try (Frontend f = twoPairs()) {
            assertEquals(0, f.call(Request.ADD_MEM_REG, REGION, memA));
            long fdsWithA = TestFiles.openFds();
            assertEquals(0, f.call(Request.ADD_MEM_REG, second, memB));
            long b = UVA + MEM_SIZE;
            assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {256L << 32}));
            assertEquals(0, f.call(Request.SET_VRING_ADDR, ringAddr(0, b + 0x10000, b + 0x30000, b + 0x20000)));
            assertEquals(0, f.call(Request.SET_VRING_KICK, new long[] {0}, kick0));
            assertEquals(0, f.call(Request.SET_VRING_ENABLE, new long[] {1L << 32}));
            assertEquals(0, f.call(Request.SET_VRING_NUM, new long[] {256L << 32 | 1}));
            assertEquals(0, f.call(Request.SET_VRING_ADDR, ringAddr(1, UVA + 0x10000, UVA + 0x30000, UVA + 0x20000)));
            assertEquals(0, f.call(Request.SET_VRING_KICK, new long[] {1}, kick1));
            assertEquals(0, f.call(Request.SET_VRING_ENABLE, new long[] {1L << 32 | 1}));
            assertEquals(List.of("start 0 base 0", "start 1 base 0"), f.listener.events);

            // Refused (ring 0 cannot run without its memory), but the region is gone as asked.
            assertEquals(1, f.call(Request.REM_MEM_REG, second));
            assertEquals(1, f.session.memory().regionCount());
            assertEquals(1, TestFiles.testMappings(), "the removed region stayed mapped");
            // The session still holds its copies of the two kick fds; B's mapping fd is gone.
            assertEquals(fdsWithA + 2, TestFiles.openFds(), "the removed region's fd stayed open");
            assertEquals(List.of("start 0 base 0", "start 1 base 0", "stop 0", "stop 1", "start 1 base 0"),
                    f.listener.events, "ring 1, whose memory stayed, was not restarted");
        } finally {
            TestFiles.close(memA);
            TestFiles.close(memB);
            TestFiles.close(kick0);
            TestFiles.close(kick1);
        }
        assertEquals(0, TestFiles.testMappings());
    }

    @Test
    void multiqueueIsOfferedExactlyWhenThereIsMoreThanOnePair() {
        assertEquals(0, BackendConfig.net(1).offeredFeatures() & BackendConfig.VIRTIO_NET_F_MQ);
        assertEquals(BackendConfig.VIRTIO_NET_F_MQ, BackendConfig.net(2).offeredFeatures() & BackendConfig.VIRTIO_NET_F_MQ);
        // GET_QUEUE_NUM (MQ protocol feature, always offered) agrees with the pairs offered.
        assertEquals(ProtocolFeature.mask(ProtocolFeature.MQ), BackendConfig.net(2).protocolFeatures() & ProtocolFeature.mask(ProtocolFeature.MQ));
    }
}
