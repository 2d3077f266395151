package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.VxlanSpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code type = vxlan} ports: what a section means, and every mistake named with its line and fix. */
class VxlanConfigTest {
    private static SwitchConfig parse(String text) {
        return SwitchConfigReader.parse("switch.conf", text, Path.of("/etc"));
    }

    @Test
    void aVxlanPortIsATrunkOfItsMappedVlansWithItsDefaults() {
        PortSpec p = parse("""
                [port vx]
                type = vxlan
                local = 192.0.2.1
                vni = 20:5020, 10:5010
                remote = 192.0.2.2, 192.0.2.3
                """).spec().ports().get(0);
        assertEquals(PortType.VXLAN, p.type());
        assertEquals("192.0.2.1:4789", p.target());
        assertEquals(Set.of(10, 20), p.vlan().trunkVlans());
        VxlanSpec v = p.vxlan();
        assertEquals(Ipv4.parse("192.0.2.1"), v.localAddress());
        assertEquals(4789, v.udpPort());
        assertEquals(Map.of(10, 5010, 20, 5020), v.vniByVlan());
        assertEquals(List.of(Ipv4.parse("192.0.2.2"), Ipv4.parse("192.0.2.3")), v.remotes());
        assertEquals(1500, v.underlayMtu());
        assertEquals(1464, v.maxInnerFrame(), "1500 - 20 IP - 8 UDP - 8 VXLAN: an inner IP MTU of 1450");
    }

    @Test
    void theDocumentedExampleReads() throws java.io.IOException {
        String doc = java.nio.file.Files.readString(Path.of("../docs/switch-config.md"));
        int start = doc.indexOf("```conf\n[port vx]\n");
        assertTrue(start >= 0, "docs/switch-config.md shows a vxlan port");
        String block = doc.substring(start + "```conf\n".length(), doc.indexOf("```", start + 8));
        VxlanSpec v = parse(block).spec().ports().get(0).vxlan();
        assertEquals(Map.of(10, 5010, 20, 5020), v.vniByVlan());
        assertEquals(List.of(Ipv4.parse("192.0.2.2")), v.remotes());
    }

    @Test
    void aVtepCanBeLimitedToSomeVnis() {
        VxlanSpec v = parse("""
                [port vx]
                type = vxlan
                local = 192.0.2.1
                vni = 10:5010, 20:5020, 30:5030
                remote = 192.0.2.2 vni=5010, 5030, 192.0.2.3,192.0.2.4 vni=5020
                """).spec().ports().get(0).vxlan();
        assertEquals(List.of(Ipv4.parse("192.0.2.2"), Ipv4.parse("192.0.2.3"), Ipv4.parse("192.0.2.4")), v.remotes());
        assertEquals(Map.of(Ipv4.parse("192.0.2.2"), Set.of(5010, 5030), Ipv4.parse("192.0.2.4"), Set.of(5020)), v.remoteVnis());
        assertEquals(Set.of(5010, 5020, 5030), v.vnisOf(Ipv4.parse("192.0.2.3")), "a VTEP without vni= carries them all");
        assertEquals("192.0.2.2 vni=5010,5030", SwitchConfigWriter.remotePart(Ipv4.parse("192.0.2.2"),
                v.remoteVnis().get(Ipv4.parse("192.0.2.2")), " "), "as the writer puts it back");
        assertEquals(v, parse("[port vx]\ntype = vxlan\nlocal = 192.0.2.1\nvni = 10:5010, 20:5020, 30:5030\n"
                + "remote = 192.0.2.2,vni=5010,5030,192.0.2.3,192.0.2.4,vni=5020\n").spec().ports().get(0).vxlan(),
                "commas alone separate as well (ctl writes one word)");
    }

    @Test
    void theWriterWritesWhatTheReaderReads() {
        SwitchConfig first = parse("""
                [port vx]
                type = vxlan
                local = 10.9.0.1
                udp-port = 8472
                vni = 10:5010, 20:5020
                remote = 10.9.0.2 vni=5020, 10.9.0.3
                underlay-mtu = 9000
                pmd = 0
                [port vm]
                type = in-process
                vlan = 10
                """);
        SwitchConfig again = parse(SwitchConfigWriter.write(first));
        assertEquals(first.spec().ports(), again.spec().ports());
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("no local address", "type = vxlan\nvni = 10:5010\n", 1, "[port vx] needs 'local'"),
                Arguments.of("local not an address", "type = vxlan\nlocal = 10.0.0\nvni = 10:5010\n", 3,
                        "local = '10.0.0' is not an IPv4 address"),
                Arguments.of("local multicast", "type = vxlan\nlocal = 239.1.1.1\nvni = 10:5010\n", 3,
                        "is not a unicast address to bind to"),
                Arguments.of("no mapping", "type = vxlan\nlocal = 10.0.0.1\n", 1, "[port vx] needs 'vni'"),
                Arguments.of("a mapping without colon", "type = vxlan\nlocal = 10.0.0.1\nvni = 10\n", 4,
                        "vni: '10' is not VLAN:VNI"),
                Arguments.of("VNI 0", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:0\n", 4, "vni: '0' is not a VNI; use 1..16777215"),
                Arguments.of("VNI beyond 24 bits", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:16777216\n", 4, "is not a VNI"),
                Arguments.of("VLAN 4095", "type = vxlan\nlocal = 10.0.0.1\nvni = 4095:5010\n", 4, "'4095' is not a VLAN id"),
                Arguments.of("a VLAN twice", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010, 10:5011\n", 4, "maps VLAN 10 twice"),
                Arguments.of("a VNI twice", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010, 20:5010\n", 4,
                        "maps VNI 5010 to VLANs 10 and 20"),
                Arguments.of("remote not an address", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nremote = 10.0.0.2, x\n", 5,
                        "remote: 'x' is not an IPv4 address"),
                Arguments.of("remote is local", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nremote = 10.0.0.1\n", 5,
                        "is this port's local address"),
                Arguments.of("remote twice", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nremote = 10.0.0.2,10.0.0.2\n", 5,
                        "remote lists 10.0.0.2 twice"),
                Arguments.of("a VTEP's VNI not mapped", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nremote = 10.0.0.2 vni=5020\n", 5,
                        "remote: VTEP 10.0.0.2 is given VNI '5020', which vni does not map; give it VNIs of [5010] or map the VNI"),
                Arguments.of("a VTEP's VNI not a number", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nremote = 10.0.0.2 vni=x\n", 5,
                        "is given VNI 'x', which vni does not map"),
                Arguments.of("a VTEP's VNIs empty", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nremote = 10.0.0.2 vni=\n", 5,
                        "is given VNI '', which vni does not map"),
                Arguments.of("a VTEP's VNI twice", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nremote = 10.0.0.2 vni=5010,5010\n", 5,
                        "remote: VTEP 10.0.0.2 is given VNI 5010 twice"),
                Arguments.of("vni= before any address", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nremote = vni=5010\n", 5,
                        "remote: 'vni=5010' must follow a VTEP's address, once; write remote = 192.0.2.2 vni=5010,5020"),
                Arguments.of("vni= twice for one address", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010, 20:5020\n"
                        + "remote = 10.0.0.2 vni=5010 vni=5020\n", 5, "'vni=5020' must follow a VTEP's address, once"),
                Arguments.of("a bare VNI", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nremote = 10.0.0.2, 5010\n", 5,
                        "remote: '5010' is not an IPv4 address; list VTEPs like remote = 192.0.2.2, 192.0.2.3 (a VTEP's VNIs:"),
                Arguments.of("port out of range", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nudp-port = 70000\n", 5,
                        "udp-port = '70000' is not a whole number in 1..65535"),
                Arguments.of("MTU too small", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nunderlay-mtu = 100\n", 5,
                        "underlay-mtu = '100' is not a whole number in 576..9216"),
                Arguments.of("a vlan key", "type = vxlan\nlocal = 10.0.0.1\nvni = 10:5010\nvlan = 10\n", 5,
                        "'vlan' does not apply to a vxlan port: its VLANs are the ones 'vni' maps"),
                Arguments.of("a vxlan key on a tap", "type = tap\nifname = t0\nvlan = 10\nvni = 10:5010\n", 5,
                        "'vni' does not apply to a tap port: only vxlan ports have it"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void aMistakeNamesItsLineAndTheFix(String what, String body, int line, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("[port vx]\n" + body));
        assertTrue(e.getMessage().startsWith("switch.conf:" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void twoPortsCannotBindOneSocket() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                [port a]
                type = vxlan
                local = 10.0.0.1
                vni = 10:5010
                [port b]
                type = vxlan
                local = 10.0.0.1
                vni = 20:5020
                """));
        assertTrue(e.getMessage().startsWith("switch.conf:7: "), e.getMessage());
        assertTrue(e.getMessage().contains("already used by the port on line 3"), e.getMessage());
    }
}
