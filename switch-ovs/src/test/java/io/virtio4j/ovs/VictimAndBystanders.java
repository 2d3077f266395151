package io.virtio4j.ovs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.SwitchedGuests;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

/**
 * The stage of the hostile-peer switch tests: one PMD serving two well-behaved guests (a, b) and a
 * victim, all on one VLAN and flooded to each other, with traffic already flowing to all three.
 * A test then lets the victim misbehave and checks, with {@link #assertBystandersForward} and
 * {@link #assertVictimDropped}, that only the victim paid for it.
 */
final class VictimAndBystanders implements AutoCloseable {
    private static final String[] NAMES = {"a", "b", "victim"};
    private final List<VhostUserFrontend> frontends = new ArrayList<>();
    private final List<GuestNic> nics = new ArrayList<>();
    private final VirtualSwitch sw;

    /**
     * Starts the switch, attaches a, b and {@code victim}, and pumps {@code warmupFrames} between
     * the bystanders (the victim receives them as floods).
     */
    VictimAndBystanders(Path dir, GuestNic victim, int warmupFrames) throws Exception {
        List<PortSpec> ports = new ArrayList<>();
        for (String n : NAMES) {
            ports.add(PortSpec.access(n, PortType.VHOST_USER_SERVER, dir.resolve(n + ".sock").toString(), 10));
        }
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports)).idleSpin(Duration.ofMillis(1)).start();
        try {
            for (String n : NAMES) {
                VhostUserFrontend fe = VhostUserFrontend.connect(dir.resolve(n + ".sock"), Duration.ofSeconds(5));
                frontends.add(fe);
                GuestNic nic = n.equals("victim") ? victim : new GuestNic();
                nics.add(nic);
                nic.attach(fe);
            }
            for (String n : NAMES) {
                awaitTrue(() -> sw.port(n).connected(), "port " + n + " connected");
            }
            SwitchedGuests.pump(bystanders(), 0, VhostUserSwitchTest.frames(warmupFrames, 0), 1, (g, f) -> { },
                    Duration.ofSeconds(30));
            awaitTrue(() -> sw.port("victim").stats().txFrames() > 0, "the victim received floods");
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    List<GuestNic> bystanders() {
        return nics.subList(0, 2);
    }

    GuestNic victim() {
        return nics.get(2);
    }

    VirtualSwitch virtualSwitch() {
        return sw;
    }

    /** Sends {@code sent} from a to b (and floods to the others) and checks b got every one, in order, byte for byte. */
    void assertBystandersForward(List<byte[]> sent) throws InterruptedException {
        List<byte[]> got = new ArrayList<>();
        SwitchedGuests.pump(bystanders(), 0, sent, 1, (g, f) -> {
            assertEquals(1, g, "only b receives among the bystanders");
            got.add(f);
        }, Duration.ofSeconds(20));
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), got.get(i), "frame " + i);
        }
    }

    /** The victim's session was dropped (its front-end sees the connection closed) and the PMD lives. */
    void assertVictimDropped() throws InterruptedException {
        awaitTrue(() -> !sw.port("victim").connected(), "the victim's rings stopped");
        assertThrows(VhostUserException.class, frontends.get(2)::getFeatures);
        assertTrue(sw.pmdThreads().get(0).isAlive(), "the PMD thread died");
    }

    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 5 s");
            }
            Thread.sleep(2);
        }
    }

    @Override
    public void close() {
        frontends.forEach(VhostUserFrontend::close);
        sw.close();
        nics.forEach(GuestNic::close);
    }
}
