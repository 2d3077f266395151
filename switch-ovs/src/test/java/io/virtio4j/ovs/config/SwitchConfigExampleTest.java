package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.NeighbourSpec;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.RouteSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.ConfigDoc;
import io.virtio4j.spi.net.MacAddress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The example in docs/switch-config.md parses to what the docs say, and survives a write/read round trip. */
class SwitchConfigExampleTest {

    /** The first ```ini block of the config reference. */
    static String documentedExample() throws IOException {
        return ConfigDoc.iniBlock(0);
    }

    @Test
    void documentedExampleParsesToTheDescribedSwitch() throws IOException {
        SwitchConfig config = SwitchConfigReader.parse("switch-config.md", documentedExample(), Path.of("/etc/virtio4j"));
        SwitchSpec spec = config.spec();
        assertEquals(L3Mode.OVS_ONLY, spec.l3());
        assertEquals(2, spec.pmdThreads());
        assertEquals(4096, spec.fdb().maxEntries());
        assertEquals(Duration.ofSeconds(300), spec.fdb().ageing());
        assertEquals(Path.of("/run/virtio4j/switch.sock"), config.controlSocket());
        assertEquals(Path.of("/dev/shm/virtio4j-switch.counters"), config.countersFile());

        assertEquals(5, spec.ports().size());
        PortSpec vm1 = spec.ports().get(0);
        assertEquals(new PortSpec("vm1", PortType.VHOST_USER_SERVER, "/run/virtio4j/vm1.sock", Duration.ofSeconds(1),
                io.virtio4j.ovs.model.PortVlan.access(10), 2, -1), vm1);
        PortSpec vm2 = spec.ports().get(1);
        assertEquals(PortType.VHOST_USER_CLIENT, vm2.type());
        assertEquals(Duration.ofSeconds(2), vm2.reconnect());
        assertEquals(1, vm2.pmd());
        assertEquals(Set.of(10, 20), spec.ports().get(2).vlan().trunkVlans());
        assertEquals("v4jbackup", spec.ports().get(3).target());
        assertEquals(PortType.IN_PROCESS, spec.ports().get(4).type());
        assertEquals("probe", spec.ports().get(4).target());

        assertEquals(2, spec.subnets().size());
        assertEquals(Ipv4Prefix.parse("10.0.2.0/24"), spec.subnets().get(1).prefix());
        assertEquals(MacAddress.parse("02:00:00:00:01:01"), spec.subnets().get(0).gatewayMac());
        assertEquals(new RouteSpec(10, Ipv4Prefix.parse("192.168.0.0/16"), Ipv4.parse("10.0.1.254")), spec.routes().get(0));
        assertEquals(new NeighbourSpec(10, Ipv4.parse("10.0.1.254"), MacAddress.parse("02:00:00:00:01:fe")),
                spec.neighbours().get(0));
        // The backup port's VLAN 30 has no subnet: the reader says it chose L2 only.
        assertEquals(1, config.notes().size(), config.notes().toString());
        assertTrue(config.notes().get(0).contains("[port backup]: VLAN 30 has no [subnet]"), config.notes().get(0));
    }

    @Test
    void writerOutputReadsBackToTheSameSwitch() throws IOException {
        SwitchConfig first = SwitchConfigReader.parse("example", documentedExample(), Path.of("/etc/virtio4j"));
        String written = SwitchConfigWriter.write(first);
        SwitchConfig second = SwitchConfigReader.parse("written", written, Path.of("/somewhere/else"));
        assertEquals(first.spec(), second.spec());
        assertEquals(first.controlSocket(), second.controlSocket());
        assertEquals(first.countersFile(), second.countersFile());
    }

    @Test
    void readsFromAFileAndResolvesRelativePathsNextToIt(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("switch.conf");
        Files.writeString(file, """
                [switch]
                control = run/ctl.sock
                counters = ../counters
                [port a]
                type = vhost-user-server
                path = a.sock
                vlan = 5
                """);
        SwitchConfig config = SwitchConfigReader.read(file);
        assertEquals(dir.resolve("run/ctl.sock"), config.controlSocket());
        assertEquals(dir.getParent().resolve("counters"), config.countersFile());
        assertEquals(dir.resolve("a.sock").toString(), config.spec().ports().get(0).target());
        assertEquals(L3Mode.NONE, config.spec().l3());
    }

    @Test
    void durationsAreWrittenInTheLargestExactUnit() {
        assertEquals("5m", SwitchConfigWriter.duration(Duration.ofSeconds(300)));
        assertEquals("1500ms", SwitchConfigWriter.duration(Duration.ofMillis(1500)));
        assertEquals("2h", SwitchConfigWriter.duration(Duration.ofHours(2)));
        assertEquals("7s", SwitchConfigWriter.duration(Duration.ofSeconds(7)));
    }
}
