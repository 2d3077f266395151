package io.virtio4j.ovs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.ovs.l2.FdbEntry;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.vhostuser.protocol.ProtocolFeature;
import io.virtio4j.vhostuser.VhostUserFrontend;
import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SEND_RARP from a guest's front-end (after a live migration) enters the switch as if that guest
 * had transmitted the RARP: the FDB learns its MAC on its port and the other ports receive the
 * announcement; the announcing guest does not get it back in its own RX ring. Issue 13 item 7.
 */
class AnnouncementSwitchTest {
    private static final byte[] MAC_A = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    private static final long MAC_A_LONG = 0x5254_0012_3456L;

    @TempDir
    Path dir;

    @Test
    void sendRarpIsFloodedFromTheAnnouncingPortAndLearned() throws Exception {
        List<PortSpec> ports = List.of(
                PortSpec.access("vm1", PortType.VHOST_USER_SERVER, dir.resolve("vm1.sock").toString(), 10),
                PortSpec.access("vm2", PortType.VHOST_USER_SERVER, dir.resolve("vm2.sock").toString(), 10));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        OvsPipeline pipeline = new OvsPipeline(spec, System.nanoTime());
        try (VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(pipeline).start();
             GuestNic a = new GuestNic();
             GuestNic b = new GuestNic();
             VhostUserFrontend feA = VhostUserFrontend.connect(dir.resolve("vm1.sock"), Duration.ofSeconds(5));
             VhostUserFrontend feB = VhostUserFrontend.connect(dir.resolve("vm2.sock"), Duration.ofSeconds(5))) {
            a.attach(feA);
            b.attach(feB);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!sw.port("vm1").connected() || !sw.port("vm2").connected()) {
                assertTrue(System.nanoTime() < deadline, "ports never connected");
                Thread.sleep(2);
            }
            // As QEMU after a migration: the RARP protocol feature, then SEND_RARP with the guest's MAC.
            long wanted = ProtocolFeature.mask(ProtocolFeature.REPLY_ACK) | ProtocolFeature.mask(ProtocolFeature.MQ)
                    | ProtocolFeature.mask(ProtocolFeature.RARP);
            feA.setProtocolFeatures(feA.getProtocolFeatures() & wanted);
            feA.sendRarp(MAC_A);

            List<byte[]> atB = new ArrayList<>();
            deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (atB.isEmpty() && System.nanoTime() < deadline) {
                b.receive((seg, len) -> atB.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR)));
                Thread.sleep(1);
            }
            assertEquals(1, atB.size(), "the other port did not receive the announcement");
            byte[] rarp = atB.get(0);
            assertEquals(60, rarp.length);
            for (int i = 0; i < 6; i++) {
                assertEquals((byte) 0xFF, rarp[i], "not broadcast");
            }
            byte[] src = java.util.Arrays.copyOfRange(rarp, 6, 12);
            assertArrayEquals(MAC_A, src);
            assertEquals(0x80, rarp[12] & 0xFF);
            assertEquals(0x35, rarp[13] & 0xFF);
            assertEquals(3, rarp[21], "not a reverse request");

            FdbEntry learned = pipeline.fdb().stream().filter(e -> e.mac() == MAC_A_LONG).findFirst()
                    .orElseThrow(() -> new AssertionError("the FDB did not learn the announced MAC: " + pipeline.fdb()));
            assertEquals(sw.port("vm1").index(), learned.port());
            assertEquals(10, learned.vlan());

            Thread.sleep(50);
            assertEquals(0, a.receive((seg, len) -> { }), "the announcing guest got its own announcement back");
            assertEquals(1, sw.port("vm1").stats().rxFrames());
        }
    }
}
