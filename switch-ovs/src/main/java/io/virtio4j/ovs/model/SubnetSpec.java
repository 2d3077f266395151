package io.virtio4j.ovs.model;

import java.util.Objects;

/**
 * A subnet: an IPv4 prefix on one VLAN with the gateway address the switch (ovs-only) or the
 * gateway namespace (ipforward) owns.
 *
 * @param name       unique name
 * @param vlan       the VLAN its hosts are on
 * @param prefix     its addresses
 * @param gateway    the gateway IPv4 address, inside {@code prefix}
 * @param gatewayMac the gateway MAC (48 bits in a long, see {@code io.virtio4j.spi.net.MacAddress})
 */
public record SubnetSpec(String name, int vlan, Ipv4Prefix prefix, int gateway, long gatewayMac) {

    /** Checks the VLAN, that the gateway lies in the prefix and that its MAC is unicast. */
    public SubnetSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(prefix, "prefix");
        PortVlan.checkVlan(vlan);
        if (!prefix.contains(gateway)) {
            throw new IllegalArgumentException("subnet " + name + ": gateway " + Ipv4.format(gateway)
                    + " is outside " + prefix);
        }
        if ((gatewayMac >>> 48) != 0 || (gatewayMac & (1L << 40)) != 0) {
            throw new IllegalArgumentException("subnet " + name + ": the gateway MAC must be a 48-bit unicast address");
        }
    }
}
