package io.virtio4j.ovs.model;

/** How the switch routes between subnets (the seed's section 5). */
public enum L3Mode implements ConfigNamed {
    /** L2 only: nothing is routed. */
    NONE("none"),
    /** Seed 5.2: flow tables inside the switch route, rewrite MACs and decrement TTL. */
    OVS_ONLY("ovs-only"),
    /** Seed 5.1: a gateway namespace with one NIC per subnet; the kernel routes. */
    IPFORWARD("ipforward");

    private final String configName;

    L3Mode(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }

    /** The mode called {@code name} in a config file, or {@code null}. */
    public static L3Mode byConfigName(String name) {
        return ConfigNamed.byConfigName(values(), name);
    }
}
