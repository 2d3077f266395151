package io.virtio4j.ovs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.ovs.config.SwitchConfigReader;
import io.virtio4j.ovs.model.FdbSpec;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.TcpFrames;
import io.virtio4j.ovs.pipeline.DropReason;
import io.virtio4j.ovs.testing.SwitchedGuests;
import io.virtio4j.ovs.testing.TestPipelines;
import io.virtio4j.spi.net.VirtioNetHeader;
import io.virtio4j.vhostuser.BackendConfig;
import io.virtio4j.vhostuser.VhostUserFrontend;

/**
 * A port's {@code mtu}: read from the config, offered to its guest as VIRTIO_NET_F_MTU, and
 * enforced at egress: a longer frame (or a super-frame whose segments would be) is dropped there
 * and counted as {@code mtu_exceeded}, and a super-frame whose segments fit is segmented for it.
 */
class MtuTest {
    @TempDir
    Path dir;

    @Test
    void theConfigReadsAPortsMtuInItsRange() {
        String port = "[port vm1]\ntype = vhost-user-server\npath = /run/vm1.sock\nvlan = 10\n";
        assertEquals(1500, SwitchConfigReader.parse("s.conf", port + "mtu = 1500\n", Path.of("/etc")).spec().ports()
                .getFirst().mtu());
        assertEquals(PortSpec.DEFAULT_MTU, SwitchConfigReader.parse("s.conf", port, Path.of("/etc")).spec().ports()
                .getFirst().mtu());
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.virtio4j.ovs.config.ConfigException.class,
                () -> SwitchConfigReader.parse("s.conf", port + "mtu = 9001\n", Path.of("/etc")));
        assertTrue(e.getMessage().contains("s.conf:5") && e.getMessage().contains("mtu"), e.getMessage());
    }

    @Test
    void framesLongerThanTheEgressMtuAreDroppedAndCountedThere() throws Exception {
        List<PortSpec> ports = new ArrayList<>();
        ports.add(PortSpec.access("a", PortType.VHOST_USER_SERVER, dir.resolve("a.sock").toString(), 10));
        ports.add(PortSpec.access("b", PortType.VHOST_USER_SERVER, dir.resolve("b.sock").toString(), 10));
        ports.add(PortSpec.access("c", PortType.VHOST_USER_SERVER, dir.resolve("c.sock").toString(), 10).withMtu(1500));
        SwitchSpec spec = new SwitchSpec(L3Mode.NONE, 1, FdbSpec.DEFAULT, ports, List.of(), List.of(), List.of());
        VirtualSwitch sw = VirtualSwitch.builder(spec).pipeline(TestPipelines.floodEverywhere(ports))
                .idleSpin(Duration.ofMillis(1)).start();
        long o = OffloadSwitchTest.OFFLOADS;
        try (VhostUserFrontend probe = VhostUserFrontend.connect(dir.resolve("c.sock"), Duration.ofSeconds(5))) {
            assertTrue((probe.getFeatures() & BackendConfig.VIRTIO_NET_F_MTU) != 0, "VIRTIO_NET_F_MTU offered");
        }
        try (SwitchedGuests s = new SwitchedGuests(sw, new long[] {o, o, OffloadSwitchTest.PLAIN})) {
            byte[] plain = new byte[12];
            // A 1500-byte IP packet fits c's MTU; 1501 does not (b's 9000 takes both).
            assertEquals(2, OffloadSwitchTest.exchange(s, 0, plain, TcpFrames.ipv4(1500 - 52, false), 2).size());
            List<OffloadSwitchTest.Received> got = OffloadSwitchTest.exchange(s, 0, plain, TcpFrames.ipv4(1501 - 52, false), 1);
            assertEquals(1, got.size());
            assertEquals(1, got.getFirst().guest());
            assertEquals(1, s.sw.port("c").stats().drops().get(DropReason.MTU_EXCEEDED), "counted at the egress port");
            assertEquals(1, s.sw.drops(DropReason.MTU_EXCEEDED));

            // Segments of 1448 + 52 header bytes fit 1500: c gets 3; of 1460 + 52 they do not: dropped.
            byte[] fits = OffloadSwitchTest.header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 66, 1448, 34, 16);
            got = OffloadSwitchTest.exchange(s, 0, fits, TcpFrames.ipv4(3 * 1448, true), 4);
            assertEquals(3, got.stream().filter(r -> r.guest() == 2).count());
            byte[] tooBig = OffloadSwitchTest.header(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 66, 1460, 34, 16);
            got = OffloadSwitchTest.exchange(s, 0, tooBig, TcpFrames.ipv4(3 * 1460, true), 1);
            assertEquals(1, got.size(), "b, whose MTU is 9000, takes the super-frame");
            assertEquals(2, s.sw.port("c").stats().drops().get(DropReason.MTU_EXCEEDED));
            assertEquals(0, s.sw.pmdErrors());
        }
    }
}
