package io.virtio4j.ovs.model;

/** What is behind a switch port. */
public enum PortType implements ConfigNamed {
    /** vhost-user, backend role, the switch listens on the socket (QEMU/testpmd connect). */
    VHOST_USER_SERVER("vhost-user-server"),
    /** vhost-user, backend role, the switch connects to a listening front-end and reconnects forever. */
    VHOST_USER_CLIENT("vhost-user-client"),
    /** An existing (or created) kernel TAP device the switch attaches to. */
    TAP("tap"),
    /** A TAP the switch creates and owns (like an OVS internal port); the gateway NICs are these. */
    INTERNAL("internal"),
    /** Frames exchanged with Java code in the same process (tests, the demo). */
    IN_PROCESS("in-process"),
    /** A VXLAN tunnel (RFC 7348): frames of its VLANs travel to remote VTEPs over an underlay UDP socket. */
    VXLAN("vxlan");

    private final String configName;

    PortType(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }

    /** Whether a port of this type serves a vhost-user front-end (server or client). */
    public boolean isVhostUser() {
        return this == VHOST_USER_SERVER || this == VHOST_USER_CLIENT;
    }

    /** The type called {@code name} in a config file, or {@code null}. */
    public static PortType byConfigName(String name) {
        return ConfigNamed.byConfigName(values(), name);
    }
}
