package io.virtio4j.spi.mmio;

import io.virtio4j.spi.testing.LinuxMmioDriver;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.notify.InMemoryNotifier;
import io.virtio4j.api.status.DeviceStatus;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetConfigSpace;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.spi.testing.RecordingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static io.virtio4j.api.feature.VirtioFeature.*;
import static io.virtio4j.spi.mmio.MmioRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

class VirtioMmioTransportTest {
    static final long MAC = MacAddress.parse("52:54:00:12:34:56");
    /** What a backend passing a vnet header (TAP with IFF_VNET_HDR, vhost) can carry. */
    static final long VNET_BACKEND = Features.of(RING_EVENT_IDX, RING_INDIRECT_DESC, NET_MRG_RXBUF, NET_CSUM,
            NET_GUEST_CSUM, NET_HOST_TSO4, NET_HOST_TSO6, NET_GUEST_TSO4, NET_GUEST_TSO6);
    static final long OFFLOADS = Features.of(NET_CSUM, NET_GUEST_CSUM, NET_HOST_TSO4, NET_HOST_TSO6, NET_HOST_ECN,
            NET_HOST_UFO, NET_GUEST_TSO4, NET_GUEST_TSO6, NET_GUEST_ECN, NET_GUEST_UFO);

    final Arena arena = Arena.ofConfined();
    final GuestMemory memory = GuestMemory.anonymous(arena, 0, 0x80000);
    final List<InMemoryNotifier> kicks = new ArrayList<>();
    final InMemoryNotifier irq = new InMemoryNotifier();
    RecordingBackend backend;
    VirtioNetDevice device;
    VirtioMmioTransport mmio;
    LinuxMmioDriver driver;

    void build(long backendFeatures, int pairs) {
        backend = new RecordingBackend(backendFeatures, pairs);
        device = new VirtioNetDevice(new NetDeviceConfig(MAC, 1500, pairs, 256, backend), memory, () -> {
            InMemoryNotifier n = new InMemoryNotifier();
            kicks.add(n);
            return n;
        });
        mmio = new VirtioMmioTransport(device, irq, 0x1af4);
        driver = new LinuxMmioDriver(mmio, memory);
    }

    @AfterEach
    void tearDown() {
        if (device != null) {
            device.close();
            for (InMemoryNotifier k : kicks) {
                assertTrue(k.isClosed(), "device close releases its kick notifiers");
            }
        }
        arena.close();
    }

    /** Brings the device up with rx0, tx0 and the control queue, acking {@code acked}. */
    void bringUp(long acked) {
        driver.probe();
        assertTrue(driver.negotiate(acked));
        driver.setupQueue(0, 64, RING_EVENT_IDX.in(acked));
        driver.setupQueue(1, 64, RING_EVENT_IDX.in(acked));
        driver.setupQueue(device.controlQueueIndex(), 16, RING_EVENT_IDX.in(acked));
    }

    @Test
    void linuxInitSequenceHandsTheBackendTheDriversQueues() {
        build(VNET_BACKEND, 1);
        long offered = driver.probe();
        assertEquals(device.offeredFeatures(), offered);
        assertTrue(VERSION_1.in(offered) && NET_MAC.in(offered) && NET_CTRL_VQ.in(offered) && NET_GUEST_TSO4.in(offered));
        assertFalse(NET_MQ.in(offered), "one pair: no MQ");
        long acked = Features.of(VERSION_1, RING_EVENT_IDX, NET_MAC, NET_MRG_RXBUF, NET_STATUS, NET_CTRL_VQ,
                NET_CSUM, NET_GUEST_CSUM, NET_GUEST_TSO4);
        assertTrue(driver.negotiate(acked), "a consistent subset keeps FEATURES_OK");
        assertEquals(0x52, mmio.read(CONFIG, 1));
        assertEquals(0x56, mmio.read(CONFIG + 5, 1));
        assertEquals(NetConfigSpace.STATUS_LINK_UP, mmio.read(CONFIG + NetConfigSpace.STATUS, 2));
        assertEquals(1, mmio.read(CONFIG + NetConfigSpace.MAX_VIRTQUEUE_PAIRS, 2));
        assertEquals(1500, mmio.read(CONFIG + NetConfigSpace.MTU, 2));
        driver.setupQueue(0, 64, true);
        driver.setupQueue(1, 128, true);
        driver.setupQueue(2, 16, true);
        assertEquals(256, readQueueNumMax(0));

        int status = driver.driverOk();

        assertEquals(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK | DeviceStatus.DRIVER_OK, status);
        assertEquals(1, backend.starts);
        assertEquals(acked, backend.plane.features());
        assertEquals(acked, device.negotiatedFeatures());
        assertSame(memory, backend.plane.memory());
        assertEquals(12, backend.plane.vnetHeaderSize());
        assertEquals(2, backend.plane.queues().size(), "rx0 and tx0; the control queue stays with the device");
        DataQueue rx = backend.plane.queues().get(0);
        DataQueue tx = backend.plane.queues().get(1);
        assertEquals(LinuxMmioDriver.layout(0, 64, true, false), rx.layout());
        assertEquals(LinuxMmioDriver.layout(1, 128, true, false), tx.layout());
        assertTrue(rx.isReceive());
        assertFalse(tx.isReceive());
        assertEquals(0, rx.availIdx());
        assertSame(device.kickNotifier(0), rx.kick());
        assertSame(device.kickNotifier(1), tx.kick());

        // QueueNotify fires exactly that queue's kick notifier.
        mmio.write(QUEUE_NOTIFY, 4, 1);
        assertEquals(1, kicks.get(1).consume());
        assertEquals(0, kicks.get(0).consume());

        // Used-buffer interrupt: the backend signals the call notifier; the transport raises the line.
        tx.call().signal();
        assertEquals(INT_USED_BUFFER, mmio.read(INTERRUPT_STATUS, 4));
        assertEquals(1, irq.consume());
        mmio.write(INTERRUPT_ACK, 4, INT_USED_BUFFER);
        assertEquals(0, mmio.read(INTERRUPT_STATUS, 4));

        int generation = mmio.read(CONFIG_GENERATION, 4);
        device.link(false);
        assertEquals(INT_CONFIG, mmio.read(INTERRUPT_STATUS, 4));
        assertEquals(0, mmio.read(CONFIG + NetConfigSpace.STATUS, 2));
        assertEquals(generation + 1, mmio.read(CONFIG_GENERATION, 4), "a config change bumps the generation");
        assertEquals(0, mmio.badAccesses());
    }

    int readQueueNumMax(int index) {
        mmio.write(QUEUE_SEL, 4, index);
        return mmio.read(QUEUE_NUM_MAX, 4);
    }

    @Test
    void inconsistentFeaturesLeaveFeaturesOkClear() {
        build(VNET_BACKEND, 1);
        driver.probe();
        assertFalse(driver.negotiate(Features.of(VERSION_1, NET_GUEST_TSO4)), "GUEST_TSO4 needs GUEST_CSUM");
        assertEquals(0, device.negotiatedFeatures());
        assertFalse(driver.negotiate(Features.of(NET_MAC)), "no VERSION_1: refused");
        assertFalse(driver.negotiate(Features.of(VERSION_1, NET_MQ, NET_CTRL_VQ)), "MQ was not offered");
        // Queue registers are not open before FEATURES_OK.
        mmio.write(QUEUE_SEL, 4, 0);
        mmio.write(QUEUE_NUM, 4, 64);
        assertEquals(1, mmio.badAccesses(BadAccess.QUEUE_LOCKED));
    }

    @Test
    void backendWithoutVnetHeaderGetsNoOffloadBits() {
        build(Features.of(RING_EVENT_IDX), 1);
        long offered = driver.probe();
        assertEquals(0, offered & OFFLOADS);
        assertFalse(NET_MRG_RXBUF.in(offered));
        assertFalse(RING_INDIRECT_DESC.in(offered));
        assertTrue(RING_EVENT_IDX.in(offered));
        assertTrue(NET_CTRL_RX.in(offered) && NET_MTU.in(offered), "what the device model implements itself stays");
    }

    @Test
    void multiqueueIsOfferedForSeveralPairsAndMovesTheControlQueue() {
        build(VNET_BACKEND, 4);
        long offered = driver.probe();
        assertTrue(NET_MQ.in(offered));
        assertEquals(4, mmio.read(CONFIG + NetConfigSpace.MAX_VIRTQUEUE_PAIRS, 2));
        assertTrue(driver.negotiate(Features.of(VERSION_1, NET_CTRL_VQ, NET_MQ)));
        assertEquals(8, device.controlQueueIndex());
        for (int q = 0; q < 4; q++) {
            driver.setupQueue(q, 32, false);
        }
        driver.setupQueue(8, 16, false);
        assertEquals(0, driver.driverOk() & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(List.of(0, 1, 2, 3), backend.plane.queues().stream().map(DataQueue::index).toList(),
                "pairs 2 and 3 were left unused by the driver");
    }

    @Test
    void hostileRegisterAccessesAreCountedAndIgnored() {
        build(VNET_BACKEND, 1);
        driver.probe();
        assertEquals(0, mmio.read(0x0f0, 4));
        assertEquals(1, mmio.badAccesses(BadAccess.UNKNOWN_OFFSET));
        assertEquals(0, mmio.read(MAGIC_VALUE, 2));
        mmio.write(STATUS, 1, 0);
        assertEquals(2, mmio.badAccesses(BadAccess.WRONG_WIDTH));
        assertNotEquals(0, mmio.read(STATUS, 4), "the 1-byte status write did not reset");
        mmio.write(MAGIC_VALUE, 4, 0);
        mmio.write(DEVICE_FEATURES, 4, -1);
        mmio.write(CONFIG, 1, 0x77);
        assertEquals(3, mmio.badAccesses(BadAccess.READ_ONLY));
        assertEquals(0x52, mmio.read(CONFIG, 1));
        assertEquals(0, mmio.read(QUEUE_NOTIFY, 4));
        assertEquals(1, mmio.badAccesses(BadAccess.WRITE_ONLY));
        assertEquals(0, mmio.read(CONFIG + NetConfigSpace.SIZE, 4));
        assertEquals(0, mmio.read(CONFIG + 1, 2), "misaligned config read");

        mmio.write(QUEUE_SEL, 4, 3);
        assertEquals(1, mmio.badAccesses(BadAccess.QUEUE_OUT_OF_RANGE));
        assertEquals(0, mmio.read(QUEUE_NUM_MAX, 4), "no such queue: max 0, as Linux probes for");
        mmio.write(QUEUE_NUM, 4, 16);
        assertEquals(2, mmio.badAccesses(BadAccess.QUEUE_OUT_OF_RANGE));

        assertTrue(driver.negotiate(Features.of(VERSION_1, NET_CTRL_VQ)));
        mmio.write(DRIVER_FEATURES, 4, -1);
        assertEquals(1, mmio.badAccesses(BadAccess.FEATURES_OUTSIDE_WINDOW));
        assertEquals(Features.of(VERSION_1, NET_CTRL_VQ), device.negotiatedFeatures());

        mmio.write(QUEUE_SEL, 4, 0);
        mmio.write(QUEUE_NUM, 4, 48);
        mmio.write(QUEUE_NUM, 4, 512);
        mmio.write(QUEUE_NUM, 4, 0);
        assertEquals(3, mmio.badAccesses(BadAccess.BAD_QUEUE_SIZE));
        driver.setupQueue(0, 64, false);
        mmio.write(QUEUE_NUM, 4, 32);
        mmio.write(QUEUE_DESC_LOW, 4, 0x1000);
        assertEquals(2, mmio.badAccesses(BadAccess.QUEUE_LOCKED), "queue registers are frozen while ready");
        assertEquals(64, device.queue(0).size());
        assertEquals(LinuxMmioDriver.layout(0, 64, false, false).descAddr(), device.queue(0).descAddr());

        mmio.write(QUEUE_NOTIFY, 4, 0);
        assertEquals(1, mmio.badAccesses(BadAccess.BAD_NOTIFY), "no notify before DRIVER_OK");
        assertEquals(0, kicks.get(0).consume());
        mmio.write(STATUS, 4, DeviceStatus.ACKNOWLEDGE);
        assertEquals(1, mmio.badAccesses(BadAccess.BAD_STATUS), "a driver clears bits only by reset");
        assertEquals(0, backend.starts);
    }

    @Test
    void ringsOutsideGuestMemoryRefuseDriverOk() {
        build(VNET_BACKEND, 1);
        driver.probe();
        assertTrue(driver.negotiate(Features.of(VERSION_1)));
        driver.setupQueue(0, 64, false);
        mmio.write(QUEUE_SEL, 4, 1);
        mmio.write(QUEUE_NUM, 4, 64);
        driver.writeAddress(QUEUE_DESC_LOW, 0x7fff0000L);
        driver.writeAddress(QUEUE_DRIVER_LOW, 0x20000);
        driver.writeAddress(QUEUE_DEVICE_LOW, 0x21000);
        mmio.write(QUEUE_READY, 4, 1);

        int status = driver.driverOk();

        assertNotEquals(0, status & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(0, backend.starts);
        assertEquals(1, device.startFailures());
        mmio.write(QUEUE_NOTIFY, 4, 0);
        assertEquals(0, kicks.get(0).consume(), "a device needing reset ignores notifications");
    }

    @Test
    void missingTxQueueRefusesDriverOk() {
        build(VNET_BACKEND, 1);
        driver.probe();
        assertTrue(driver.negotiate(Features.of(VERSION_1)));
        driver.setupQueue(0, 64, false);
        assertNotEquals(0, driver.driverOk() & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(0, backend.starts);
    }

    @Test
    void backendRefusingToStartPutsTheDeviceInNeedsReset() {
        build(VNET_BACKEND, 1);
        backend.failStartWith = new IllegalStateException("tap gone");
        bringUp(Features.of(VERSION_1, NET_CTRL_VQ));
        assertNotEquals(0, driver.driverOk() & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(1, device.startFailures());
    }

    @Test
    void brokenQueueSetsNeedsResetAndRaisesAConfigInterrupt() {
        build(VNET_BACKEND, 1);
        bringUp(Features.of(VERSION_1, NET_CTRL_VQ));
        driver.driverOk();
        irq.consume();
        backend.plane.failures().queueBroken(1);
        assertNotEquals(0, mmio.read(STATUS, 4) & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(INT_CONFIG, mmio.read(INTERRUPT_STATUS, 4));
        assertEquals(1, irq.consume());
        assertEquals(1, device.queueFailures());
    }

    @Test
    void resetStopsTheBackendAndForgetsEverything() {
        build(VNET_BACKEND, 1);
        bringUp(Features.of(VERSION_1, RING_EVENT_IDX, NET_CTRL_VQ));
        driver.driverOk();
        backend.plane.queues().get(0).call().signal();
        assertEquals(1, backend.starts);

        mmio.write(STATUS, 4, 0);

        assertEquals(1, backend.stops);
        assertArrayEquals(new int[] {100, 101}, device.lastStoppedAvailIdx());
        assertEquals(0, mmio.read(STATUS, 4));
        assertEquals(0, mmio.read(INTERRUPT_STATUS, 4));
        assertEquals(0, device.negotiatedFeatures());
        mmio.write(QUEUE_SEL, 4, 0);
        assertEquals(0, mmio.read(QUEUE_READY, 4));
        assertEquals(256, device.queue(0).size());
        assertEquals(0, device.queue(0).descAddr());
        assertTrue(device.controlState().promiscuous());
        assertEquals(0, backend.closes, "the backend belongs to the VMM; reset only stops it");

        // The device comes back up cleanly after the reset.
        bringUp(Features.of(VERSION_1, NET_CTRL_VQ));
        assertEquals(0, driver.driverOk() & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(2, backend.starts);
        assertEquals(0, backend.plane.features() & RING_EVENT_IDX.mask());
        assertFalse(backend.plane.queues().get(0).layout().eventIdx());
    }

    @Test
    void deviceRejectsConfigsItCannotServe() {
        RecordingBackend one = new RecordingBackend(0, 1);
        assertThrows(io.virtio4j.spi.net.NetDeviceException.class, () -> new NetDeviceConfig(MAC, 1500, 2, 256, one));
        assertThrows(io.virtio4j.spi.net.NetDeviceException.class, () -> new NetDeviceConfig(MAC, 1500, 1, 100, one));
        assertThrows(io.virtio4j.spi.net.NetDeviceException.class,
                () -> new NetDeviceConfig(MacAddress.parse("01:00:5e:00:00:01"), 1500, 1, 256, one));
        assertThrows(io.virtio4j.spi.net.NetDeviceException.class, () -> new NetDeviceConfig(MAC, 20, 1, 256, one));
    }


    @Test
    void notifyingAQueueThatWasNotStartedIsCounted() {
        build(VNET_BACKEND, 1);
        driver.probe();
        assertTrue(driver.negotiate(Features.of(VERSION_1)));
        driver.setupQueue(0, 64, false);
        driver.setupQueue(1, 64, false);
        driver.driverOk();
        mmio.write(QUEUE_NOTIFY, 4, 2);
        mmio.write(QUEUE_NOTIFY, 4, -1);
        assertEquals(2, mmio.badAccesses(BadAccess.BAD_NOTIFY), "no control queue without CTRL_VQ, no queue -1");
        assertEquals(0, kicks.get(2).consume());
    }

    @Test
    void aBackendThreadReportingAFailureWhileBeingStoppedDoesNotDeadlock() {
        java.util.concurrent.CountDownLatch stopping = new java.util.concurrent.CountDownLatch(1);
        RecordingBackend joining = new RecordingBackend(VNET_BACKEND, 1) {
            Thread worker;

            @Override
            public void start(io.virtio4j.spi.net.NetDataPlane p) {
                super.start(p);
                worker = new Thread(() -> {
                    try {
                        stopping.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    p.failures().queueBroken(1);
                });
                worker.start();
            }

            @Override
            public int[] stop() {
                stopping.countDown();
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return super.stop();
            }
        };
        device = new VirtioNetDevice(new NetDeviceConfig(MAC, 1500, 1, 256, joining), memory, InMemoryNotifier::new);
        mmio = new VirtioMmioTransport(device, irq, 0);
        driver = new LinuxMmioDriver(mmio, memory);
        driver.probe();
        assertTrue(driver.negotiate(Features.of(VERSION_1)));
        driver.setupQueue(0, 64, false);
        driver.setupQueue(1, 64, false);
        driver.driverOk();

        assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> mmio.write(STATUS, 4, 0));

        assertEquals(1, joining.stops);
        assertEquals(0, mmio.read(STATUS, 4), "a failure reported during the reset does not survive it");
    }
}
