package io.virtio4j.vhostnet.guest;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.MemfdGuestMemory;
import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.notify.InMemoryNotifier;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.api.status.DeviceStatus;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.spi.net.DataQueue;
import io.virtio4j.spi.net.InterruptSink;
import io.virtio4j.spi.net.NetControlState;
import io.virtio4j.spi.net.NetDataPlane;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.QueueSetup;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.vhostnet.VhostNetBackend;

/**
 * The program {@code VhostNetGuestTest} runs inside the QEMU guest (where {@code /dev/vhost-net}
 * exists), in two scenarios, each on its own TAP and checked through an AF_PACKET socket on it:
 * <ol>
 * <li><b>direct</b> ({@code direct.*}): the {@code vhost-net:} backend from {@link NetBackends}
 *     with N queue pairs, started on a data plane built here: the in-process driver over memfd
 *     guest memory; TX calls are eventfds the kernel signals, RX calls have no fd and are relayed;</li>
 * <li><b>device</b> ({@code device.*}): the backend under {@link VirtioNetDevice}, brought up the
 *     way a driver does (status, features, queue registers, DRIVER_OK) and reset at the end; the
 *     device's calls have no fd, so every interrupt is relayed to its {@link InterruptSink}.</li>
 * </ol>
 * Each scenario: frames out of the TX rings and out of the TAP byte for byte; frames into the TAP
 * and into the RX rings byte for byte; a hostile TX chain (a buffer outside guest memory) that the
 * worker reports through the ring's error eventfd; the ring bases at stop. At the end no vhost,
 * TAP or eventfd may remain open. It prints one {@code VHOST-NET-GUEST-RESULT key=value ...} line
 * for the host to assert on and exits 0 whenever it got that far.
 */
public final class VhostNetGuestCheck {
    static final String RESULT_PREFIX = "VHOST-NET-GUEST-RESULT";
    private static final long MAC = 0x02_00_00_00_00_02L;

    private final Map<String, Object> result = new TreeMap<>();
    private final Platform platform = Platform.linux();

    /** Arguments: frames each way (default 200), queue pairs of the direct scenario (default 1). */
    public static void main(String[] args) {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        VhostNetGuestCheck check = new VhostNetGuestCheck();
        try {
            check.direct("vnt0", frames, pairs);
            check.device("vnt1", frames);
            check.countFds();
        } catch (Exception | AssertionError e) {
            e.printStackTrace(System.out);
            check.result.put("error", e.toString().replace(' ', '_'));
        }
        StringBuilder line = new StringBuilder(RESULT_PREFIX);
        check.result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
    }

    private void direct(String ifname, int frames, int pairCount) throws Exception {
        long memorySize = GuestPair.memorySize(pairCount);
        List<EventNotifier> notifiers = new ArrayList<>();
        try (MemfdGuestMemory backing = MemfdGuestMemory.create("vhost-net-direct", 0, memorySize);
             NetBackend opened = NetBackends.open("vhost-net:tap=" + ifname + ",queues=" + pairCount)) {
            VhostNetBackend backend = (VhostNetBackend) opened;
            GuestMemory memory = backing.memory();
            long features = backend.supportedFeatures() & Features.of(VirtioFeature.VERSION_1, VirtioFeature.RING_EVENT_IDX);
            result.put("kernelFeatures", "0x" + Long.toHexString(backend.kernelFeatures()));
            result.put("direct.negotiated", "0x" + Long.toHexString(features));
            EventfdNotifier[] kicks = new EventfdNotifier[2 * pairCount];
            EventNotifier[] calls = new EventNotifier[2 * pairCount];
            GuestPair[] pairs = new GuestPair[pairCount];
            List<DataQueue> queues = new ArrayList<>();
            for (int p = 0; p < pairCount; p++) {
                pairs[p] = new GuestPair(memory, p, pairCount, VirtioFeature.RING_EVENT_IDX.in(features), q -> kicks[q].signal());
                for (int q = 2 * p; q <= 2 * p + 1; q++) {
                    kicks[q] = EventfdNotifier.create();
                    calls[q] = q % 2 == 0 ? new InMemoryNotifier() : EventfdNotifier.create();
                    notifiers.add(kicks[q]);
                    notifiers.add(calls[q]);
                    QueueLayout layout = q % 2 == 0 ? pairs[p].rxLayout : pairs[p].txLayout;
                    queues.add(new DataQueue(q, layout, kicks[q], calls[q], 0, 0));
                }
            }
            List<Integer> broken = new CopyOnWriteArrayList<>();
            backend.start(new NetDataPlane(memory, features, queues, unusedFilter(), broken::add));
            linkUp(ifname);
            try (PacketSocket socket = PacketSocket.open(platform, ifname, TestFrames.ETHERTYPE);
                 FrameTraffic traffic = new FrameTraffic(memory, pairs, socket, result, "direct.")) {
                traffic.transmit(frames);
                traffic.receive(frames);
                traffic.hostileTransmit(pairs[0], memorySize, () -> !broken.isEmpty());
            }
            result.put("direct.stopAvail", FrameTraffic.join(backend.stop()));
            long txCalls = 0;
            long rxCalls = 0;
            for (int q = 0; q < calls.length; q++) {
                long n = calls[q].consume();
                if (q % 2 == 0) {
                    rxCalls += n;
                } else {
                    txCalls += n;
                }
            }
            result.put("direct.txCalls", txCalls);
            result.put("direct.rxCallsRelayed", rxCalls);
            result.put("direct.brokenQueues", FrameTraffic.join(broken.stream().mapToInt(Integer::intValue).toArray()));
        } finally {
            notifiers.forEach(EventNotifier::close);
        }
    }

    private void device(String ifname, int frames) throws Exception {
        long memorySize = GuestPair.memorySize(1);
        try (MemfdGuestMemory backing = MemfdGuestMemory.create("vhost-net-device", 0, memorySize);
             NetBackend backend = NetBackends.open("vhost-net:tap=" + ifname)) {
            GuestMemory memory = backing.memory();
            AtomicIntegerArray interrupts = new AtomicIntegerArray(3);
            try (VirtioNetDevice device = new VirtioNetDevice(new NetDeviceConfig(MAC, 1500, 1, GuestPair.RING, backend),
                    memory, EventfdNotifier::create)) {
                device.attach(new InterruptSink() {
                    @Override
                    public void usedBuffer(int index) {
                        interrupts.incrementAndGet(index);
                    }

                    @Override
                    public void configChanged() {
                        interrupts.incrementAndGet(2);
                    }
                });
                GuestPair pair = bringUp(device, memory);
                linkUp(ifname);
                try (PacketSocket socket = PacketSocket.open(platform, ifname, TestFrames.ETHERTYPE);
                     FrameTraffic traffic = new FrameTraffic(memory, new GuestPair[] {pair}, socket, result, "device.")) {
                    traffic.transmit(frames);
                    traffic.receive(frames);
                    traffic.hostileTransmit(pair, memorySize, () -> (device.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0);
                }
                result.put("device.queueFailures", device.queueFailures());
                device.writeStatus(0);
                result.put("device.stopAvail", FrameTraffic.join(device.lastStoppedAvailIdx()));
                result.put("device.rxInterrupts", interrupts.get(0));
                result.put("device.txInterrupts", interrupts.get(1));
                result.put("device.configInterrupts", interrupts.get(2));
            }
        }
    }

    /** What a driver does up to DRIVER_OK (spec 3.1.1): features VERSION_1 and EVENT_IDX, one queue pair. */
    private GuestPair bringUp(VirtioNetDevice device, GuestMemory memory) {
        device.writeStatus(0);
        device.writeStatus(DeviceStatus.ACKNOWLEDGE);
        device.writeStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        long features = device.offeredFeatures() & Features.of(VirtioFeature.VERSION_1, VirtioFeature.RING_EVENT_IDX);
        device.driverFeatures(0, (int) features);
        device.driverFeatures(1, (int) (features >>> 32));
        int status = DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK;
        device.writeStatus(status);
        require((device.status() & DeviceStatus.FEATURES_OK) != 0, "the device refused features 0x" + Long.toHexString(features));
        result.put("device.negotiated", "0x" + Long.toHexString(device.negotiatedFeatures()));
        GuestPair pair = new GuestPair(memory, 0, 1, VirtioFeature.RING_EVENT_IDX.in(features), device::notifyQueue);
        setUpQueue(device, pair.rxIndex(), pair.rxLayout);
        setUpQueue(device, pair.txIndex(), pair.txLayout);
        device.writeStatus(status | DeviceStatus.DRIVER_OK);
        int after = device.status();
        require((after & DeviceStatus.DRIVER_OK) != 0 && (after & DeviceStatus.DEVICE_NEEDS_RESET) == 0,
                "DRIVER_OK not accepted: status 0x" + Integer.toHexString(after));
        return pair;
    }

    private static void setUpQueue(VirtioNetDevice device, int index, QueueLayout layout) {
        require(device.queueSize(index, layout.size()), "queue " + index + " size refused");
        address(device, index, QueueSetup.Part.DESC, layout.descAddr());
        address(device, index, QueueSetup.Part.DRIVER, layout.availAddr());
        address(device, index, QueueSetup.Part.DEVICE, layout.usedAddr());
        require(device.queueReady(index, true), "queue " + index + " ready refused");
    }

    private static void address(VirtioNetDevice device, int index, QueueSetup.Part part, long address) {
        require(device.queueAddress(index, part, false, (int) address) && device.queueAddress(index, part, true, (int) (address >>> 32)),
                "queue " + index + " " + part + " address refused");
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }

    /**
     * The receive filter: vhost-net never consults it (the kernel delivers whatever the TAP gets),
     * so any call is a failure of the backend.
     */
    private static NetControlState unusedFilter() {
        return (NetControlState) Proxy.newProxyInstance(NetControlState.class.getClassLoader(),
                new Class<?>[] {NetControlState.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException("vhost-net consulted the receive filter: " + method.getName());
                });
    }

    private static void linkUp(String ifname) throws IOException, InterruptedException {
        // No IPv6 on the link: its router solicitations would be frames in the receive ring too (counted as "other").
        Path ipv6 = Path.of("/proc/sys/net/ipv6/conf", ifname, "disable_ipv6");
        if (Files.exists(ipv6)) {
            Files.writeString(ipv6, "1");
        }
        Process ip = new ProcessBuilder("ip", "link", "set", "dev", ifname, "up").inheritIO().start();
        if (ip.waitFor() != 0) {
            throw new IOException("ip link set dev " + ifname + " up failed");
        }
    }

    /** After both scenarios closed everything: no /dev/vhost-net, TAP or eventfd may remain. */
    private void countFds() throws IOException {
        int vhost = 0;
        int tun = 0;
        int eventfds = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue;
                }
                if (target.equals("/dev/vhost-net")) {
                    vhost++;
                } else if (target.equals("/dev/net/tun")) {
                    tun++;
                } else if (target.equals("anon_inode:[eventfd]")) {
                    eventfds++;
                }
            }
        }
        result.put("openVhostFds", vhost);
        result.put("openTunFds", tun);
        result.put("openEventfds", eventfds);
    }
}
