package io.virtio4j.tap;

import static io.virtio4j.api.feature.VirtioFeature.NET_CSUM;
import static io.virtio4j.api.feature.VirtioFeature.NET_GUEST_CSUM;
import static io.virtio4j.api.feature.VirtioFeature.NET_GUEST_TSO4;
import static io.virtio4j.api.feature.VirtioFeature.NET_MRG_RXBUF;
import static io.virtio4j.api.feature.VirtioFeature.RING_EVENT_IDX;
import static io.virtio4j.api.feature.VirtioFeature.RING_INDIRECT_DESC;
import static io.virtio4j.api.feature.VirtioFeature.VERSION_1;
import static io.virtio4j.api.status.DeviceStatus.ACKNOWLEDGE;
import static io.virtio4j.api.status.DeviceStatus.DRIVER;
import static io.virtio4j.api.status.DeviceStatus.DRIVER_OK;
import static io.virtio4j.api.status.DeviceStatus.FEATURES_OK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.QueueSetup;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.tap.testing.Frames;
import io.virtio4j.tap.testing.GuestNic;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.testing.NeedsKernel;

import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The tap backend behind a {@link VirtioNetDevice}, set up through the device's driver-facing API
 * in the order a driver follows (spec 3.1.1): the offered features carry the TAP's offloads, DRIVER_OK
 * starts the backend with the negotiated ones, a frame flows, and a reset stops it.
 */
@NeedsKernel
class TapNetDeviceKernelTest extends KernelTestSupport {
    private static final String NS_IP = "10.199.10.1";
    private static final String GUEST_IP = "10.199.10.2";
    private static final String GUEST_MAC = "52:54:00:ab:cd:ef";

    @Test
    void driverOkStartsTheTapBackendWithTheNegotiatedOffloadsAndAResetStopsIt() {
        String name = "v4jd" + ProcessHandle.current().pid() % 100000;
        try (GuestNic guest = new GuestNic();
             TapNetBackend backend = (TapNetBackend) NetBackends.open("tap:ifname=" + name);
             NetNs ns = NetNs.create();
             EventfdNotifier controlKick = EventfdNotifier.create()) {
            ns.configure(name, NS_IP + "/24");
            // The device's kicks for rx0/tx0 are the guest's notifiers; the third is the control queue's.
            Iterator<EventNotifier> kicks = List.<EventNotifier>of(guest.rxKick, guest.txKick, controlKick).iterator();
            try (VirtioNetDevice device = new VirtioNetDevice(
                    new NetDeviceConfig(MacAddress.parse(GUEST_MAC), 1500, 1, GuestNic.RING, backend), guest.memory, kicks::next)) {
                long offered = device.offeredFeatures();
                for (var feature : List.of(VERSION_1, RING_EVENT_IDX, RING_INDIRECT_DESC, NET_CSUM, NET_GUEST_CSUM, NET_GUEST_TSO4)) {
                    assertTrue(feature.in(offered), feature + " offered");
                }
                assertTrue(NET_MRG_RXBUF.in(offered), "mergeable receive buffers offered");

                device.writeStatus(ACKNOWLEDGE);
                device.writeStatus(ACKNOWLEDGE | DRIVER);
                long acked = Features.of(VERSION_1, RING_EVENT_IDX, RING_INDIRECT_DESC, NET_CSUM, NET_GUEST_CSUM);
                assertTrue(device.driverFeatures(0, (int) acked));
                assertTrue(device.driverFeatures(1, (int) (acked >>> 32)));
                device.writeStatus(ACKNOWLEDGE | DRIVER | FEATURES_OK);
                assertTrue((device.status() & FEATURES_OK) != 0);
                setUpQueue(device, 0, guest.rxLayout);
                setUpQueue(device, 1, guest.txLayout);
                device.writeStatus(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
                assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, device.status(), "the backend started");

                Process receiver = ns.startScript("udp_recv.py", NS_IP, 9800, 1, 500, 3);
                assertEquals("READY", NetNs.readLine(receiver));
                assertTrue(guest.queueUdp(Frames.mac(ns.mac(name)), Frames.mac(GUEST_MAC), Frames.ipv4(GUEST_IP),
                        Frames.ipv4(NS_IP), 9800, 500, 0));
                guest.flushTransmit();
                assertEquals(1, NetNs.field(NetNs.await(receiver, 15), "valid"));

                device.writeStatus(0);
                assertEquals(0, device.status());
                assertArrayEquals(new int[] {0, 1}, device.lastStoppedAvailIdx(), "rx never popped, tx popped one");
                assertEquals(1, backend.queueStats(0).framesWritten());
            }
        }
    }

    private static void setUpQueue(VirtioNetDevice device, int index, QueueLayout layout) {
        assertTrue(device.queueSize(index, layout.size()));
        address(device, index, QueueSetup.Part.DESC, layout.descAddr());
        address(device, index, QueueSetup.Part.DRIVER, layout.availAddr());
        address(device, index, QueueSetup.Part.DEVICE, layout.usedAddr());
        assertTrue(device.queueReady(index, true));
    }

    private static void address(VirtioNetDevice device, int index, QueueSetup.Part part, long address) {
        assertTrue(device.queueAddress(index, part, false, (int) address));
        assertTrue(device.queueAddress(index, part, true, (int) (address >>> 32)));
    }
}
