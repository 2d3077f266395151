package io.virtio4j.vhostnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.notify.InMemoryNotifier;
import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.NetControlState;
import io.virtio4j.spi.net.NetDataPlane;
import io.virtio4j.tap.OffloadMapper;
import io.virtio4j.tap.TapConfig;
import io.virtio4j.tap.TapDevice;
import io.virtio4j.tap.TunIoctlNumbers;
import io.virtio4j.tap.TunIoctls;
import io.virtio4j.vhostnet.testing.FakeVhostKernel;

/**
 * The backend's start and stop as the kernel sees them (a fake vhost kernel and a mocked TUN
 * layer; the eventfds and the signal thread are real): the exact ioctl sequence, the values in
 * each struct, and what is left behind when a step fails.
 */
class VhostNetBackendTest {
    private static final int TAP_FD = 7;
    private static final long FEATURES = Features.of(VirtioFeature.VERSION_1, VirtioFeature.RING_EVENT_IDX,
            VirtioFeature.NET_MAC, VirtioFeature.NET_CSUM, VirtioFeature.NET_GUEST_CSUM, VirtioFeature.NET_GUEST_TSO4);

    private final FakeVhostKernel kernel = new FakeVhostKernel();
    private final TunIoctls tun = mock(TunIoctls.class);
    /** The TAP's platform: the real one, but /dev/net/tun opens as TAP_FD, which is never really closed. */
    private final Platform tapPlatform = mock(Platform.class, org.mockito.AdditionalAnswers.delegatesTo(Platform.linux()));
    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory = GuestMemory.of(GuestRegion.of(0, arena.allocate(0x100000, 4096)));
    private final QueueLayout rxLayout = QueueLayout.contiguous(256, 0x0, true, false);
    private final QueueLayout txLayout = QueueLayout.contiguous(256, 0x10000, true, false);
    private final List<EventNotifier> notifiers = new ArrayList<>();
    private final List<Integer> broken = new CopyOnWriteArrayList<>();

    VhostNetBackendTest() {
        org.mockito.Mockito.doReturn(TAP_FD).when(tapPlatform).open(anyString(), anyInt());
        org.mockito.Mockito.doNothing().when(tapPlatform).close(TAP_FD);
        when(tun.ioctlIntPointer(anyInt(), anyLong(), any(int[].class))).thenAnswer(inv -> {
            if ((long) inv.getArgument(1) == TunIoctlNumbers.TUNGETFEATURES) {
                ((int[]) inv.getArgument(2))[0] = 0xffff;
            }
            return 0;
        });
    }

    @AfterEach
    void release() {
        notifiers.forEach(EventNotifier::close);
        arena.close();
    }

    private VhostNetBackend open() {
        return VhostNetBackend.open(TapConfig.of("vt0", 1), () -> VhostNetDevice.open(kernel.platform), Platform.linux(),
                config -> TapDevice.open(config, tun, tapPlatform));
    }

    private <N extends EventNotifier> N track(N notifier) {
        notifiers.add(notifier);
        return notifier;
    }

    private NetDataPlane plane(long features, EventNotifier rxCall, EventNotifier txCall) {
        return new NetDataPlane(memory, features, List.of(
                new DataQueue(0, rxLayout, track(EventfdNotifier.create()), rxCall, 5, 5),
                new DataQueue(1, txLayout, track(EventfdNotifier.create()), txCall, 9, 9)), mock(NetControlState.class), broken::add);
    }

    private NetDataPlane plane() {
        return plane(FEATURES, track(EventfdNotifier.create()), track(EventfdNotifier.create()));
    }

    @Test
    void startAndStopFollowQemusOrderWithTheRightValues() {
        kernel.vringBase[0] = 40;
        kernel.vringBase[1] = 33;
        NetDataPlane plane = plane();
        int[] stopped;
        try (VhostNetBackend backend = open()) {
            backend.start(plane);
            stopped = backend.stop();
        }
        List<String> ring = List.of("SET_VRING_NUM", "SET_VRING_BASE", "SET_VRING_ADDR", "SET_VRING_KICK", "SET_VRING_CALL", "SET_VRING_ERR");
        List<String> expected = new ArrayList<>(List.of("100 GET_FEATURES", "100 GET_BACKEND_FEATURES",
                "101 SET_OWNER", "101 GET_FEATURES", "101 SET_FEATURES", "101 SET_BACKEND_FEATURES", "101 SET_MEM_TABLE"));
        for (int r = 0; r < 2; r++) {
            ring.forEach(name -> expected.add("101 " + name));
        }
        expected.addAll(List.of("101 NET_SET_BACKEND", "101 NET_SET_BACKEND",
                "101 NET_SET_BACKEND", "101 NET_SET_BACKEND", "101 GET_VRING_BASE", "101 GET_VRING_BASE"));
        assertEquals(expected, kernel.sequence());
        assertEquals(List.of(100, 101), kernel.closed);
        assertArrayEquals(new int[] {40, 33}, stopped);

        // Only the ring features reach the kernel; MAC and the offloads are the device's and the TAP's.
        assertEquals(Features.of(VirtioFeature.VERSION_1, VirtioFeature.RING_EVENT_IDX), kernel.named("SET_FEATURES").getFirst().longAt(0));
        assertEquals(0x2, kernel.named("SET_BACKEND_FEATURES").getFirst().longAt(0));
        verify(tun).ioctlValue(TAP_FD, TunIoctlNumbers.TUNSETOFFLOAD, OffloadMapper.tunOffloads(FEATURES));
        List<FakeVhostKernel.Call> nums = kernel.named("SET_VRING_NUM");
        List<FakeVhostKernel.Call> bases = kernel.named("SET_VRING_BASE");
        List<FakeVhostKernel.Call> addrs = kernel.named("SET_VRING_ADDR");
        List<FakeVhostKernel.Call> kicks = kernel.named("SET_VRING_KICK");
        List<FakeVhostKernel.Call> calls = kernel.named("SET_VRING_CALL");
        List<FakeVhostKernel.Call> errs = kernel.named("SET_VRING_ERR");
        List<FakeVhostKernel.Call> backends = kernel.named("NET_SET_BACKEND");
        for (int r = 0; r < 2; r++) {
            DataQueue q = plane.queues().get(r);
            assertEquals(r, nums.get(r).intAt(0));
            assertEquals(256, nums.get(r).intAt(4));
            assertEquals(q.availIdx(), bases.get(r).intAt(4));
            assertEquals(memory.slice(q.layout().descAddr(), 1).address(), addrs.get(r).longAt(8));
            assertEquals(memory.slice(q.layout().usedAddr(), 1).address(), addrs.get(r).longAt(16));
            assertEquals(memory.slice(q.layout().availAddr(), 1).address(), addrs.get(r).longAt(24));
            assertEquals(q.kick().fd(), kicks.get(r).intAt(4));
            // The call is an eventfd already: the kernel gets it directly, no relay.
            assertEquals(q.call().fd(), calls.get(r).intAt(4));
            assertTrue(errs.get(r).intAt(4) >= 0);
            assertEquals(TAP_FD, backends.get(r).intAt(4));
            assertEquals(-1, backends.get(2 + r).intAt(4));
        }
        assertNotEquals(errs.get(0).intAt(4), errs.get(1).intAt(4));
        assertFalse(signalThreadAlive());
    }

    @Test
    void callsWithoutAnFdAreRelayedAndRingErrorsBreakTheQueue() throws Exception {
        InMemoryNotifier rxCall = new InMemoryNotifier();
        try (VhostNetBackend backend = open()) {
            backend.start(plane(FEATURES, rxCall, track(EventfdNotifier.create())));
            int relay = kernel.named("SET_VRING_CALL").get(0).intAt(4);
            int txError = kernel.named("SET_VRING_ERR").get(1).intAt(4);
            assertTrue(relay >= 0);
            signalAsTheKernelWould(relay);
            assertTrue(rxCall.awaitSignal(5, TimeUnit.SECONDS), "the relayed call reached the fd-less notifier");
            signalAsTheKernelWould(txError);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (broken.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(List.of(1), broken);
            backend.stop();
        }
        assertFalse(signalThreadAlive());
    }

    private static void signalAsTheKernelWould(int eventFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            assertEquals(8, Platform.linux().write(eventFd, one, 8));
        }
    }

    @Test
    void aFailedStepClosesTheDeviceAndAStartCanBeRetried() {
        try (VhostNetBackend backend = open()) {
            kernel.failures.put("SET_VRING_ADDR", Errno.EFAULT);
            VhostException e = assertThrows(VhostException.class, () -> backend.start(plane()));
            assertTrue(e.getMessage().contains("VHOST_SET_VRING_ADDR 0 failed: EFAULT"), e.getMessage());
            assertEquals(List.of(100, 101), kernel.closed);
            assertFalse(signalThreadAlive());
            assertTrue(kernel.named("NET_SET_BACKEND").isEmpty(), "the TAP was never attached");

            kernel.failures.clear();
            backend.start(plane());
            assertEquals(2, backend.stop().length);
        }
        assertEquals(List.of(100, 101, 102), kernel.closed);
    }

    @Test
    void aTapThatRefusesTheOffloadsFailsTheStartBeforeAnyDeviceOpens() {
        try (VhostNetBackend backend = open()) {
            // From now on TUNSETOFFLOAD answers EINVAL (the three calls while opening the TAP succeeded).
            when(tun.ioctlValue(anyInt(), eq(TunIoctlNumbers.TUNSETOFFLOAD), anyLong())).thenThrow(new io.virtio4j.api.platform.NativeException("ioctl", Errno.EINVAL));
            VhostException e = assertThrows(VhostException.class, () -> backend.start(plane()));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("vhost-net on TAP vt0: preparing the TAP failed: TAP vt0: TUNSETOFFLOAD"),
                    e.getMessage());
        }
        assertEquals(List.of(100), kernel.closed);
        assertFalse(signalThreadAlive());
    }

    @Test
    void aKernelWithoutVersion1IsRefusedBeforeTheTapIsCreated() {
        kernel.features = Features.of(VirtioFeature.RING_EVENT_IDX, VirtioFeature.NET_MRG_RXBUF);
        VhostException e = assertThrows(VhostException.class, this::open);
        assertTrue(e.getMessage().contains("lacks VIRTIO_F_VERSION_1"), e.getMessage());
        assertEquals(List.of(100), kernel.closed);
        verifyNoInteractions(tun, tapPlatform);
    }

    @Test
    void aNegotiatedRingFeatureTheKernelLacksIsRefusedBeforeAnyDeviceOpens() {
        kernel.features = VirtioFeature.VERSION_1.mask();
        try (VhostNetBackend backend = open()) {
            VhostException e = assertThrows(VhostException.class, () -> backend.start(plane()));
            assertTrue(e.getMessage().contains("negotiated VIRTIO_F_RING_EVENT_IDX, which this kernel's vhost-net lacks"),
                    e.getMessage());
        }
        assertEquals(List.of(100), kernel.closed);
    }

    @Test
    void aKickWithoutAnFdIsRefused() {
        try (VhostNetBackend backend = open()) {
            NetDataPlane plane = new NetDataPlane(memory, FEATURES, List.of(
                    new DataQueue(0, rxLayout, new InMemoryNotifier(), track(EventfdNotifier.create()), 0, 0),
                    new DataQueue(1, txLayout, track(EventfdNotifier.create()), track(EventfdNotifier.create()), 0, 0)),
                    mock(NetControlState.class), broken::add);
            VhostException e = assertThrows(VhostException.class, () -> backend.start(plane));
            assertTrue(e.getMessage().contains("queue 0's kick notifier has no fd"), e.getMessage());
        }
        assertEquals(List.of(100), kernel.closed);
    }

    @Test
    void offersTheKernelsRingFeaturesAndTheTapsOffloadsButNoVhostOnlyBits() {
        try (VhostNetBackend backend = open()) {
            long offered = backend.supportedFeatures();
            for (VirtioFeature f : List.of(VirtioFeature.VERSION_1, VirtioFeature.RING_EVENT_IDX, VirtioFeature.RING_INDIRECT_DESC,
                    VirtioFeature.NET_MRG_RXBUF, VirtioFeature.NET_CSUM, VirtioFeature.NET_GUEST_TSO4)) {
                assertTrue(f.in(offered), f + " offered");
            }
            // VHOST_F_LOG_ALL (26), VHOST_NET_F_VIRTIO_NET_HDR (27) and ACCESS_PLATFORM are in the kernel's set only.
            assertEquals(0, offered & (1L << 26 | 1L << 27 | VirtioFeature.ACCESS_PLATFORM.mask()));
            assertEquals(1, backend.maxQueuePairs());
            assertEquals("vt0", backend.interfaceName());
        }
        verify(tapPlatform).close(eq(TAP_FD));
    }

    private static boolean signalThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("vhost-net-vt0-signals"));
    }
}
