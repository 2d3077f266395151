package io.virtio4j.ovs.config;

import io.virtio4j.ovs.model.PortOffload;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.spi.DidYouMean;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads {@code [port NAME]} sections. Keys that do not apply to the port's type (a {@code path} on
 * a TAP, a {@code reconnect} on a server port) are errors rather than silently ignored: they are
 * almost always a wrong {@code type}.
 */
final class PortSectionReader {
    static final List<String> KEYS = Stream.concat(Stream.of("type", "path", "ifname", "vlan", "trunk",
            "queues", "reconnect", "pmd", "max-guest-memory", "offloads", "mtu"), VxlanSectionReader.KEYS.stream()).toList();
    /** The tap backend's limit; vhost-user ports share it so every port type accepts the same range. */
    static final int MAX_QUEUE_PAIRS = 16;
    static final Duration DEFAULT_RECONNECT = Duration.ofSeconds(1);
    /** Linux interface names: IFNAMSIZ 16 including the NUL. */
    private static final int MAX_IFNAME = 15;

    private final String file;
    private final Path baseDir;
    private final int pmdThreads;
    /** Socket paths and interface names already claimed, with the line that claimed them. */
    private final Map<String, Integer> targets = new HashMap<>();

    PortSectionReader(String file, Path baseDir, int pmdThreads) {
        this.file = file;
        this.baseDir = baseDir;
        this.pmdThreads = pmdThreads;
    }

    PortSpec read(IniSection section) {
        SectionReader r = new SectionReader(file, section, KEYS);
        String name = section.name();
        if (!SectionReader.isValidName(name)) {
            throw r.error("port name '" + name + "' may use only letters, digits, '_', '.', '-' (1..32 characters);"
                    + " it appears in counter labels like port:" + "NAME:rx_frames");
        }
        IniEntry typeEntry = r.required("type", String.join("|", typeNames()));
        PortType type = PortType.byConfigName(typeEntry.value());
        if (type == null) {
            throw r.error(typeEntry, "unknown port type '" + typeEntry.value() + "'; valid types: " + String.join(", ", typeNames())
                    + DidYouMean.hint(typeEntry.value(), typeNames()));
        }
        if (type == PortType.VXLAN) {
            return claimed(r, VxlanSectionReader.read(r, name, pmd(r)));
        }
        VxlanSectionReader.refuseIn(r, type);
        String target = target(r, type, name);
        Duration reconnect = r.duration("reconnect", DEFAULT_RECONNECT);
        if (r.has("reconnect") && type != PortType.VHOST_USER_CLIENT) {
            throw r.error(section.entries().get("reconnect"), "reconnect applies only to vhost-user-client ports (this is "
                    + type.configName() + "); remove it");
        }
        PortVlan vlan = vlan(r);
        int queues = r.integer("queues", 1, 1, MAX_QUEUE_PAIRS);
        int pmd = pmd(r);
        refuseKey(r, "max-guest-memory", type != PortType.VHOST_USER_SERVER && type != PortType.VHOST_USER_CLIENT, type,
                "only a vhost-user front-end makes the switch map its memory");
        long maxGuestMemory = r.bytes("max-guest-memory", PortSpec.DEFAULT_MAX_GUEST_MEMORY);
        refuseKey(r, "offloads", !type.isVhostUser(), type, "only a vhost-user guest negotiates checksum and segmentation offloads");
        Set<PortOffload> offloads = offloads(r, type);
        int mtu = r.integer("mtu", PortSpec.DEFAULT_MTU, PortSpec.MIN_MTU, PortSpec.MAX_MTU);
        return new PortSpec(name, type, target, reconnect, vlan, queues, pmd, maxGuestMemory, offloads, mtu);
    }

    /** {@code offloads = csum,tso4,tso6} (any subset; tso4 and tso6 need csum) or {@code none}. */
    private static Set<PortOffload> offloads(SectionReader r, PortType type) {
        IniEntry entry = r.section().entries().get("offloads");
        if (entry == null) {
            return PortSpec.defaultOffloads(type);
        }
        List<String> names = Arrays.stream(PortOffload.values()).map(PortOffload::configName).toList();
        String value = entry.value().trim();
        if (value.equals("none")) {
            return Set.of();
        }
        EnumSet<PortOffload> set = EnumSet.noneOf(PortOffload.class);
        for (String item : value.split(",", -1)) {
            String name = item.trim();
            PortOffload o = PortOffload.byConfigName(name);
            if (o == null) {
                throw r.error(entry, "unknown offload '" + name + "'; write none or a list of " + String.join(", ", names)
                        + DidYouMean.hint(name, names));
            }
            set.add(o);
        }
        if (PortOffload.segments(set) && !set.contains(PortOffload.CSUM)) {
            throw r.error(entry, "offloads = " + value + ": tso4 and tso6 need csum (a segmented frame's checksums are"
                    + " partial); write csum," + value);
        }
        return set;
    }

    private String target(SectionReader r, PortType type, String name) {
        boolean socket = type == PortType.VHOST_USER_SERVER || type == PortType.VHOST_USER_CLIENT;
        boolean ifname = type == PortType.TAP || type == PortType.INTERNAL;
        refuseKey(r, "path", !socket, type, "only vhost-user ports have a socket path");
        refuseKey(r, "ifname", !ifname, type, "only tap and internal ports have an interface name");
        if (socket) {
            IniEntry path = r.required("path", "/run/virtio4j/" + name + ".sock");
            String resolved = baseDir.resolve(path.value()).normalize().toString();
            claim(r, path, resolved, "socket path");
            return resolved;
        }
        if (ifname) {
            IniEntry entry = r.required("ifname", "v4j" + name);
            String value = entry.value();
            if (value.length() > MAX_IFNAME || !value.matches("[A-Za-z0-9_.-]+")) {
                throw r.error(entry, "ifname '" + value + "' is not a Linux interface name; use 1.." + MAX_IFNAME
                        + " letters, digits, '_', '.', '-'");
            }
            claim(r, entry, "if:" + value, "interface name");
            return value;
        }
        // In-process ports are addressed by their name from Java code.
        return name;
    }

    /** A vxlan port claims its local address and UDP port: two ports cannot bind the same socket. */
    private PortSpec claimed(SectionReader r, PortSpec vxlan) {
        claim(r, r.section().entries().get("local"), "udp:" + vxlan.target(), "VXLAN local address (with its udp-port)");
        return vxlan;
    }

    private void claim(SectionReader r, IniEntry entry, String key, String what) {
        Integer first = targets.putIfAbsent(key, entry.line());
        if (first != null) {
            throw r.error(entry, "the " + what + " " + entry.value() + " is already used by the port on line " + first
                    + "; each port needs its own");
        }
    }

    private static void refuseKey(SectionReader r, String key, boolean refuse, PortType type, String why) {
        if (refuse && r.has(key)) {
            throw r.error(r.section().entries().get(key), "'" + key + "' does not apply to a " + type.configName()
                    + " port: " + why + "; remove it or change the type");
        }
    }

    private static PortVlan vlan(SectionReader r) {
        boolean access = r.has("vlan");
        boolean trunk = r.has("trunk");
        if (access == trunk) {
            throw r.error(r.section().title() + (access ? " has both vlan and trunk" : " has neither vlan nor trunk")
                    + "; an access port says vlan = 10, a trunk says trunk = 10,20");
        }
        if (access) {
            return PortVlan.access(r.vlan(r.section().entries().get("vlan")));
        }
        return PortVlan.trunk(r.vlanList(r.section().entries().get("trunk")));
    }

    private int pmd(SectionReader r) {
        IniEntry entry = r.section().entries().get("pmd");
        if (entry == null || entry.value().equals("auto")) {
            return -1;
        }
        try {
            int pmd = Integer.parseInt(entry.value());
            if (pmd >= 0 && pmd < pmdThreads) {
                return pmd;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw r.error(entry, "pmd = '" + entry.value() + "': write auto or a PMD index 0.." + (pmdThreads - 1)
                + " (pmd-threads = " + pmdThreads + " in [switch])");
    }

    private static List<String> typeNames() {
        return Arrays.stream(PortType.values()).map(PortType::configName).collect(Collectors.toList());
    }
}
