package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every config mistake names the file, the line and the fix. */
class SwitchConfigErrorsTest {
    private static final String SUBNETS = """
            [switch]
            l3 = ovs-only
            [subnet office]
            prefix = 10.0.1.0/24
            vlan = 10
            gateway = 10.0.1.1
            gateway-mac = 02:00:00:00:01:01
            """; // lines 1..7

    private static ConfigException error(String text) {
        return assertThrows(ConfigException.class, () -> SwitchConfigReader.parse("switch.conf", text, Path.of("/etc")));
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("unknown key with a suggestion", """
                        [port vm1]
                        type = vhost-user-server
                        path = /run/vm1.sock
                        vlna = 10
                        """, 4, "switch.conf:4: unknown key 'vlna' in [port vm1]; valid keys: type, path, ifname, vlan, trunk,"
                        + " queues, reconnect, pmd, max-guest-memory, offloads, mtu, local, udp-port, vni, remote, underlay-mtu (did you mean 'vlan'?)"),
                Arguments.of("mistyped guest memory key", """
                        [port vm1]
                        type = vhost-user-server
                        path = /run/vm1.sock
                        vlan = 10
                        max-guest-memroy = 8G
                        """, 5, "unknown key 'max-guest-memroy' in [port vm1]; valid keys: type, path, ifname, vlan, trunk,"
                        + " queues, reconnect, pmd, max-guest-memory, offloads, mtu, local, udp-port, vni, remote, underlay-mtu (did you mean 'max-guest-memory'?)"),
                Arguments.of("guest memory without a unit", """
                        [port vm1]
                        type = vhost-user-server
                        path = /run/vm1.sock
                        vlan = 10
                        max-guest-memory = 4096
                        """, 5, "max-guest-memory = '4096' is not a size in 1M..128T; write a number and a unit"),
                Arguments.of("guest memory beyond the address space", """
                        [port vm1]
                        type = vhost-user-server
                        path = /run/vm1.sock
                        vlan = 10
                        max-guest-memory = 129T
                        """, 5, "max-guest-memory = '129T' is not a size in 1M..128T"),
                Arguments.of("guest memory on a tap", """
                        [port t1]
                        type = tap
                        ifname = t1
                        vlan = 10
                        max-guest-memory = 8G
                        """, 5, "'max-guest-memory' does not apply to a tap port"),
                Arguments.of("mistyped offload", """
                        [port vm1]
                        type = vhost-user-server
                        path = /run/vm1.sock
                        vlan = 10
                        offloads = csum,tos4
                        """, 5, "unknown offload 'tos4'; write none or a list of csum, tso4, tso6 (did you mean 'tso4'?)"),
                Arguments.of("segmentation without checksum", """
                        [port vm1]
                        type = vhost-user-server
                        path = /run/vm1.sock
                        vlan = 10
                        offloads = tso4
                        """, 5, "offloads = tso4: tso4 and tso6 need csum"),
                Arguments.of("offloads on a tap", """
                        [port t1]
                        type = tap
                        ifname = t1
                        vlan = 10
                        offloads = csum
                        """, 5, "'offloads' does not apply to a tap port"),
                Arguments.of("switch-wide guest memory too small", "[switch]\nmax-guest-memory = 512K\n", 2,
                        "max-guest-memory = '512K' is not a size in 1M..128T"),
                Arguments.of("upper-case key", "[switch]\nL3 = none\n", 2, "unknown key 'L3' in [switch]; valid keys: l3, pmd-threads,"
                        + " pmd-cpus, fdb-max, fdb-ageing, control, counters, max-guest-memory, log-level, log-file, metrics,"
                        + " openflow, controller, fail-mode (did you mean 'l3'?)"),
                Arguments.of("unknown section", "[bridge br0]\n", 1, "unknown section [bridge]; valid sections: [switch]"),
                Arguments.of("mistyped section", "[prot vm1]\n", 1, "[neighbour NAME] (did you mean 'port'?)"),
                Arguments.of("switch with a name", "[switch main]\n", 1, "[switch] takes no name"),
                Arguments.of("port without a name", "[port]\ntype = tap\n", 1, "[port] needs a name; write [port NAME]"),
                Arguments.of("duplicate port names both lines", """
                        [port vm1]
                        type = in-process
                        vlan = 1
                        [port vm1]
                        type = in-process
                        vlan = 2
                        """, 4, "[port vm1] is defined twice (lines 1 and 4)"),
                Arguments.of("key set twice", "[switch]\npmd-threads = 1\npmd-threads = 2\n", 3,
                        "key 'pmd-threads' is set twice in [switch] (first on line 2)"),
                Arguments.of("key outside a section", "l3 = none\n", 1, "comes before any section; put it under [switch]"),
                Arguments.of("not key = value", "[switch]\nl3 none\n", 2, "is neither a [section] nor key = value"),
                Arguments.of("unclosed header", "[port vm1\n", 1, "has no closing ']'"),
                Arguments.of("bad l3", "[switch]\nl3 = bgp\n", 2, "use none, ovs-only or ipforward"),
                Arguments.of("bad duration", "[switch]\nfdb-ageing = 5 minutes\n", 2, "write a positive number and a unit: 500ms, 1s, 5m, 1h"),
                Arguments.of("zero duration", "[switch]\nfdb-ageing = 0s\n", 2, "is not a duration"),
                Arguments.of("duration beyond nanoTime", "[switch]\nfdb-ageing = 999999999h\n", 2,
                        "fdb-ageing = '999999999h' is too long; at most 2562047h"),
                Arguments.of("pmd threads out of range", "[switch]\npmd-threads = 0\n", 2, "not a whole number in 1..64"),
                Arguments.of("missing type", "[port a]\nvlan = 1\n", 1, "[port a] needs 'type'; add a line like: type = vhost-user-server|"),
                Arguments.of("unknown type", "[port a]\ntype = veth\nvlan = 1\n", 2, "unknown port type 'veth'; valid types: vhost-user-server,"),
                Arguments.of("mistyped type", "[port a]\ntype = vhost-user-sever\nvlan = 1\n", 2, "(did you mean 'vhost-user-server'?)"),
                Arguments.of("path on a tap", "[port a]\ntype = tap\npath = /x\nifname = t0\nvlan = 1\n", 3,
                        "'path' does not apply to a tap port"),
                Arguments.of("ifname too long", "[port a]\ntype = tap\nifname = averyveryverylongname\nvlan = 1\n", 3,
                        "is not a Linux interface name; use 1..15"),
                Arguments.of("reconnect on a server port", "[port a]\ntype = vhost-user-server\npath = /a\nreconnect = 1s\nvlan = 1\n", 4,
                        "reconnect applies only to vhost-user-client ports"),
                Arguments.of("missing path", "[port a]\ntype = vhost-user-client\nvlan = 1\n", 1, "[port a] needs 'path'"),
                Arguments.of("vlan and trunk", "[port a]\ntype = in-process\nvlan = 1\ntrunk = 2,3\n", 1, "has both vlan and trunk"),
                Arguments.of("neither vlan nor trunk", "[port a]\ntype = in-process\n", 1, "has neither vlan nor trunk"),
                Arguments.of("reserved vlan", "[port a]\ntype = in-process\nvlan = 4095\n", 3, "use 1..4094"),
                Arguments.of("trunk lists a vlan twice", "[port a]\ntype = in-process\ntrunk = 10, 20,10\n", 3, "lists VLAN 10 twice"),
                Arguments.of("pmd beyond the threads", "[switch]\npmd-threads = 2\n[port a]\ntype = in-process\nvlan = 1\npmd = 2\n", 6,
                        "write auto or a PMD index 0..1 (pmd-threads = 2 in [switch])"),
                Arguments.of("two ports on one socket", """
                        [port a]
                        type = vhost-user-server
                        path = /run/x.sock
                        vlan = 1
                        [port b]
                        type = vhost-user-client
                        path = /run/../run/x.sock
                        vlan = 1
                        """, 7, "is already used by the port on line 3"),
                Arguments.of("bad port name", "[port vm:1]\ntype = in-process\nvlan = 1\n", 1, "may use only letters, digits"),
                Arguments.of("overlapping subnets name both", SUBNETS + """
                        [subnet lab]
                        prefix = 10.0.1.128/25
                        vlan = 20
                        gateway = 10.0.1.129
                        gateway-mac = 02:00:00:00:02:01
                        """, 9, "subnet lab (10.0.1.128/25) overlaps subnet office (10.0.1.0/24, line 3)"),
                Arguments.of("two subnets on one vlan", SUBNETS + """
                        [subnet lab]
                        prefix = 10.0.2.0/24
                        vlan = 10
                        gateway = 10.0.2.1
                        gateway-mac = 02:00:00:00:02:01
                        """, 10, "is on VLAN 10 like subnet office (line 3); give each subnet its own VLAN"),
                Arguments.of("gateway outside its subnet", "[subnet a]\nprefix = 10.0.1.0/24\nvlan = 1\ngateway = 10.0.2.1\n"
                        + "gateway-mac = 02:00:00:00:00:01\n", 4, "gateway 10.0.2.1 is outside the subnet 10.0.1.0/24; pick an address inside it, e.g. 10.0.1.1"),
                Arguments.of("gateway is the broadcast address", "[subnet a]\nprefix = 10.0.1.0/24\nvlan = 1\ngateway = 10.0.1.255\n"
                        + "gateway-mac = 02:00:00:00:00:01\n", 4, "is the network or broadcast address"),
                Arguments.of("prefix with host bits", "[subnet a]\nprefix = 10.0.1.1/24\nvlan = 1\ngateway = 10.0.1.1\n"
                        + "gateway-mac = 02:00:00:00:00:01\n", 2, "has host bits set; the network is 10.0.1.0/24"),
                Arguments.of("bad ip", "[subnet a]\nprefix = 10.0.1.0/24\nvlan = 1\ngateway = 10.0.1.300\n"
                        + "gateway-mac = 02:00:00:00:00:01\n", 4, "is not an IPv4 address"),
                Arguments.of("bad mac", "[subnet a]\nprefix = 10.0.1.0/24\nvlan = 1\ngateway = 10.0.1.1\n"
                        + "gateway-mac = 02:00:00:00:01\n", 5, "is not a MAC address; write six hex pairs"),
                Arguments.of("multicast mac", "[subnet a]\nprefix = 10.0.1.0/24\nvlan = 1\ngateway = 10.0.1.1\n"
                        + "gateway-mac = 01:00:5e:00:00:01\n", 5, "is a multicast or zero address"),
                Arguments.of("route next hop in no subnet", SUBNETS + "[route r]\ndestination = 0.0.0.0/0\nvia = 192.168.1.1\n", 10,
                        "route r: next hop 192.168.1.1 is in no subnet (subnets: office 10.0.1.0/24)"),
                Arguments.of("route via the gateway", SUBNETS + "[route r]\ndestination = 0.0.0.0/0\nvia = 10.0.1.1\n", 10,
                        "is the switch's own gateway address"),
                Arguments.of("route vlan without subnet", SUBNETS + "[route r]\ndestination = 0.0.0.0/0\nvia = 10.0.1.9\nvlan = 30\n", 11,
                        "applies to VLAN 30, which has no [subnet]"),
                Arguments.of("neighbour outside its subnet", SUBNETS + "[neighbour n]\nip = 10.0.2.5\nmac = 02:00:00:00:00:09\nvlan = 10\n", 9,
                        "10.0.2.5 is not in subnet office (10.0.1.0/24, line 3) of VLAN 10"),
                Arguments.of("neighbour twice", SUBNETS + "[neighbour n]\nip = 10.0.1.5\nmac = 02:00:00:00:00:09\nvlan = 10\n"
                        + "[neighbour m]\nip = 10.0.1.5\nmac = 02:00:00:00:00:0a\nvlan = 10\n", 13, "of the neighbour on line 8"),
                Arguments.of("control character", "[switch]\nl3 = no\u0001ne\n", 2, "control character 0x1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void namesFileLineAndFix(String what, String text, int line, String expected) {
        ConfigException e = error(text);
        assertEquals("switch.conf", e.file());
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("switch.conf:" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    @Test
    void aMissingFileNamesItWithoutALine(@TempDir Path dir) {
        Path missing = dir.resolve("nope.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> SwitchConfigReader.read(missing));
        assertEquals(0, e.line());
        assertTrue(e.getMessage().startsWith(missing + ": cannot be read"), e.getMessage());
    }

    @Test
    void aBinaryFileIsRefusedAsNotText(@TempDir Path dir) throws IOException {
        Path binary = dir.resolve("switch.conf");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        ConfigException e = assertThrows(ConfigException.class, () -> SwitchConfigReader.read(binary));
        assertTrue(e.getMessage().contains("is not UTF-8 text"), e.getMessage());
    }

    @Test
    void sectionsMayComeInAnyOrder() {
        SwitchConfig config = SwitchConfigReader.parse("switch.conf", """
                [neighbour n]
                ip = 10.0.1.5
                mac = 02:00:00:00:00:09
                vlan = 10
                [route r]
                destination = 172.16.0.0/12
                via = 10.0.1.5
                """ + SUBNETS, Path.of("/etc"));
        assertEquals(1, config.spec().routes().size());
        assertEquals(1, config.spec().neighbours().size());
    }

    @Test
    void l3NoneKeepsSubnetsButNotesTheyAreUnused() {
        SwitchConfig config = SwitchConfigReader.parse("switch.conf", SUBNETS.replace("ovs-only", "none"), Path.of("/etc"));
        assertEquals(1, config.spec().subnets().size());
        assertEquals(java.util.List.of("switch.conf:1: l3 = none: the 1 subnet, route and neighbour sections are not used"
                + " until l3 is ovs-only or ipforward"), config.notes());
    }

    @Test
    void aTrunkVlanWithoutSubnetIsNotedPerVlan() {
        SwitchConfig config = SwitchConfigReader.parse("switch.conf", SUBNETS + "[port t]\ntype = in-process\ntrunk = 10,30,40\n",
                Path.of("/etc"));
        assertEquals(2, config.notes().size(), config.notes().toString());
        assertTrue(config.notes().get(0).startsWith("switch.conf:8: [port t]: VLAN 30 has no [subnet]"), config.notes().get(0));
        assertTrue(config.notes().get(1).contains("VLAN 40"), config.notes().get(1));
    }

    @Test
    void defaultsApplyWithoutASwitchSection() {
        SwitchConfig config = SwitchConfigReader.parse("switch.conf", "# nothing but a comment\n", Path.of("/etc"));
        assertEquals(SwitchConfig.DEFAULT_CONTROL_SOCKET, config.controlSocket());
        assertEquals(io.virtio4j.ovs.model.FdbSpec.DEFAULT, config.spec().fdb());
        assertTrue(config.spec().ports().isEmpty());
    }

    @Test
    void guestMemoryLimitsReadWithDefaultsAndRoundTrip() {
        SwitchConfig config = SwitchConfigReader.parse("switch.conf", """
                [switch]
                max-guest-memory = 2T
                [port big]
                type = vhost-user-server
                path = /run/big.sock
                vlan = 10
                max-guest-memory = 512GiB
                [port normal]
                type = vhost-user-client
                path = /run/normal.sock
                vlan = 10
                """, Path.of("/etc"));
        assertEquals(2L << 40, config.spec().maxGuestMemory());
        assertEquals(512L << 30, config.spec().ports().get(0).maxGuestMemory());
        assertEquals(io.virtio4j.ovs.model.PortSpec.DEFAULT_MAX_GUEST_MEMORY, config.spec().ports().get(1).maxGuestMemory());
        assertEquals(64L << 30, io.virtio4j.ovs.model.PortSpec.DEFAULT_MAX_GUEST_MEMORY);
        SwitchConfig again = SwitchConfigReader.parse("switch.conf", SwitchConfigWriter.write(config), Path.of("/etc"));
        assertEquals(config.spec(), again.spec());
        SwitchConfig none = SwitchConfigReader.parse("switch.conf", "", Path.of("/etc"));
        assertEquals(io.virtio4j.ovs.model.SwitchSpec.DEFAULT_MAX_GUEST_MEMORY, none.spec().maxGuestMemory());
    }

}
