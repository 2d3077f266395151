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
    public static final String SECTIONS = """
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
            [port vm1]
            type = in-process
            vlan = 10
            [port vm2]
            type = in-process
            vlan = 20
            """;

    private TwoVpcs() {
    }
}
