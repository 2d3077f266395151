package io.virtio4j.ovs.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.PortInfo;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * A switch whose ports are vhost-user servers, each with an in-process guest (GuestNic) attached
 * over its real Unix socket, for end-to-end tests. Closes guests, front-ends and the switch.
 */
public final class SwitchedGuests implements AutoCloseable {
    public final VirtualSwitch sw;
    public final List<GuestNic> guests = new ArrayList<>();
    private final List<VhostUserFrontend> frontends = new ArrayList<>();

    /** Port i is called {@code names[i]} on access VLAN {@code vlans[i]}, socket {@code dir/<name>.sock}. */
    public SwitchedGuests(Path dir, String[] names, int[] vlans, int pmds, java.util.function.Function<List<PortSpec>, FramePipeline> pipeline)
            throws InterruptedException {
        this(dir, names, vlans, pmds, pipeline, Duration.ofMillis(1));
    }

    /** As above, guest i with packed rings when {@code packed[i]} (issue 14), split otherwise. */
    public SwitchedGuests(Path dir, String[] names, int[] vlans, int pmds, java.util.function.Function<List<PortSpec>, FramePipeline> pipeline,
                   boolean[] packed) throws InterruptedException {
        this(startSwitch(dir, names, vlans, pmds, pipeline, Duration.ofMillis(1)), packed);
    }

    /** As above, with the PMDs' idle spin before they sleep. */
    public SwitchedGuests(Path dir, String[] names, int[] vlans, int pmds, java.util.function.Function<List<PortSpec>, FramePipeline> pipeline,
                   Duration idleSpin) throws InterruptedException {
        this(startSwitch(dir, names, vlans, pmds, pipeline, idleSpin));
    }

    private static VirtualSwitch startSwitch(Path dir, String[] names, int[] vlans, int pmds,
                                             java.util.function.Function<List<PortSpec>, FramePipeline> pipeline, Duration idleSpin) {
        List<PortSpec> ports = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            ports.add(PortSpec.access(names[i], PortType.VHOST_USER_SERVER, dir.resolve(names[i] + ".sock").toString(), vlans[i]));
        }
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, pmds, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        return VirtualSwitch.builder(spec).pipeline(pipeline.apply(ports)).idleSpin(idleSpin).start();
    }

    /**
     * Attaches an in-process guest to every port of the started switch {@code sw} (all
     * vhost-user servers) and waits until each port is connected; takes over closing {@code sw}.
     */
    public SwitchedGuests(VirtualSwitch sw) throws InterruptedException {
        this(sw, new boolean[sw.ports().size()]);
    }

    /** As {@link #SwitchedGuests(VirtualSwitch)}, the guest of port i with packed rings when {@code packed[i]}. */
    public SwitchedGuests(VirtualSwitch sw, boolean[] packed) throws InterruptedException {
        this(sw, packed, new long[0]);
    }

    /**
     * As {@link #SwitchedGuests(VirtualSwitch)}, guest i acknowledging device features
     * {@code features[i]} besides VERSION_1 (none for a guest beyond the array).
     */
    public SwitchedGuests(VirtualSwitch sw, long[] features) throws InterruptedException {
        this(sw, new boolean[sw.ports().size()], features);
    }

    /** The guest of port i with packed rings when {@code packed[i]}, acknowledging {@code features[i]} besides VERSION_1. */
    public SwitchedGuests(VirtualSwitch sw, boolean[] packed, long[] features) throws InterruptedException {
        this.sw = sw;
        try {
            int i = 0;
            for (PortInfo p : sw.ports()) {
                VhostUserFrontend fe = VhostUserFrontend.connect(Path.of(p.target()), Duration.ofSeconds(5));
                frontends.add(fe);
                GuestNic nic = packed[i] ? GuestNic.packed(GuestNic.QSIZE, 1) : new GuestNic();
                guests.add(nic);
                nic.attach(fe, i < features.length ? features[i] : 0);
                i++;
            }
            for (PortInfo p : sw.ports()) {
                awaitConnected(p.name());
            }
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    public void awaitConnected(String port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!sw.port(port).connected()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("port " + port + " never connected");
            }
            Thread.sleep(2);
        }
    }

    public GuestNic guest(int i) {
        return guests.get(i);
    }

    /** Frames a sender keeps in flight at most: under a guest's RX ring, so the switch never finds it full. */
    public static final int WINDOW = 128;

    /**
     * Sends {@code frames} from guest {@code from} with at most {@link #WINDOW} in flight, until
     * every one of {@code receivers} guests got every frame, handing what each guest receives to
     * {@code received} (guest index, frame without header); fails after {@code timeout}.
     */
    public static void pump(List<GuestNic> guests, int from, List<byte[]> frames, int receivers,
                     ReceivedFrame received, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int next = 0;
        long[] got = new long[1];
        long expected = (long) frames.size() * receivers;
        GuestNic src = guests.get(from);
        while (got[0] < expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after sending " + next + " of " + frames.size() + ", "
                        + got[0] + " of " + expected + " received");
            }
            int queued = 0;
            while (next < frames.size() && next - got[0] / receivers < WINDOW && src.transmit(frames.get(next))) {
                next++;
                queued++;
            }
            if (queued > 0) {
                src.kickTx();
            }
            src.reclaimTx();
            long before = got[0];
            for (int g = 0; g < guests.size(); g++) {
                int index = g;
                guests.get(g).receive((seg, len) -> {
                    got[0]++;
                    received.frame(index, GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR));
                });
            }
            if (queued == 0 && got[0] == before) {
                Thread.sleep(0, 100_000);
            }
        }
    }

    /** What a guest received. */
    @FunctionalInterface
    public interface ReceivedFrame {
        void frame(int guest, byte[] frame);
    }

    @Override
    public void close() {
        for (VhostUserFrontend fe : frontends) {
            fe.close();
        }
        frontends.clear();
        sw.close();
        guests.forEach(GuestNic::close);
        guests.clear();
    }
}
