package io.virtio4j.ovs.testing;

/**
 * Config sections for the switch most tests here need: two VPCs, each a VLAN with a routed subnet
 * and one in-process port. Tests add their own [switch] section and extras.
 * <pre>
 * office: VLAN 10, 10.0.1.0/24, gateway 10.0.1.1 at 02:00:00:00:01:01, port vm1
 * lab:    VLAN 20, 10.0.2.0/24, gateway 10.0.2.1 at 02:00:00:00:02:01, port vm2
 * </pre>
 */
public final class TwoVpcs {
    /** The two subnets only, for tests with ports of their own. */
    public static final String SUBNETS = """
            [subnet office]
            prefix = 10.0.1.0/24
            vlan = 10
            gateway = 10.0.1.1
            gateway-mac = 02:00:00:00:01:01
            [subnet lab]
            prefix = 10.0.2.0/24
            vlan = 20
            gateway = 10.0.2.1
            gateway-mac = 02:00:00:00:02:01
            """;

    /** The subnets and an in-process port on each VLAN. */
    public static final String SECTIONS = SUBNETS + """
            [port vm1]
            type = in-process
            vlan = 10
            [port vm2]
            type = in-process
            vlan = 20
            """;

    private TwoVpcs() {
    }

    /** A [switch] section with {@code l3}, the control socket ctl.sock and the counters file switch.counters (next to the config). */
    public static String switchSection(String l3) {
        return "[switch]\nl3 = " + l3 + "\ncontrol = ctl.sock\ncounters = switch.counters\n";
    }
}
