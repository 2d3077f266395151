package io.virtio4j.ovs.config;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.Ipv4Prefix;
import io.virtio4j.ovs.model.PortVlan;
import io.virtio4j.spi.DidYouMean;
import io.virtio4j.spi.net.MacAddress;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, checked access to one section's values. Every failure names the file, the line of the
 * offending key (or of the section header for a missing key) and what a valid value looks like.
 */
final class SectionReader {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern BYTES = Pattern.compile("(\\d{1,9})(K|M|G|T)(?:iB)?");
    /** The smallest byte size a limit may be: no guest runs in less. */
    static final long MIN_BYTES = 1L << 20;
    /** The largest: the 128 TiB a process can map on x86-64. */
    static final long MAX_BYTES = 128L << 40;
    private static final Pattern CPU_RANGE = Pattern.compile("(\\d{1,4})(?:-(\\d{1,4}))?");
    /** The longest duration whose nanoseconds fit a long (about 292 years), rounded down to whole hours. */
    static final Duration MAX_DURATION = Duration.ofHours(Duration.ofNanos(Long.MAX_VALUE).toHours());

    private final String file;
    private final IniSection section;

    /** Fails on the first key not in {@code validKeys}, suggesting the nearest valid one (backend-spi's {@link DidYouMean}). */
    SectionReader(String file, IniSection section, List<String> validKeys) {
        this.file = file;
        this.section = section;
        for (IniEntry entry : section.entries().values()) {
            if (!validKeys.contains(entry.key())) {
                throw error(entry, "unknown key '" + entry.key() + "' in " + section.title() + "; valid keys: "
                        + String.join(", ", validKeys) + DidYouMean.hint(entry.key(), validKeys));
            }
        }
    }

    IniSection section() {
        return section;
    }

    boolean has(String key) {
        return section.entries().containsKey(key);
    }

    /** The entry for {@code key}, or fails at the header naming the key and what it is for. */
    IniEntry required(String key, String example) {
        IniEntry entry = section.entries().get(key);
        if (entry == null) {
            throw new ConfigException(file, section.line(), section.title() + " needs '" + key + "'; add a line like: "
                    + key + " = " + example);
        }
        if (entry.value().isEmpty()) {
            throw error(entry, "'" + key + "' is empty; write for example: " + key + " = " + example);
        }
        return entry;
    }

    String text(String key, String example) {
        return required(key, example).value();
    }

    /** A fail-fast error at {@code entry}'s line. */
    ConfigException error(IniEntry entry, String detail) {
        return new ConfigException(file, entry.line(), detail);
    }

    /** A fail-fast error at the section header's line. */
    ConfigException error(String detail) {
        return new ConfigException(file, section.line(), detail);
    }

    int integer(String key, int defaultValue, int min, int max) {
        IniEntry entry = section.entries().get(key);
        if (entry == null) {
            return defaultValue;
        }
        try {
            int v = Integer.parseInt(entry.value());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // Reported below together with the range.
        }
        throw error(entry, key + " = '" + entry.value() + "' is not a whole number in " + min + ".." + max);
    }

    /** The most CPUs a CPU list may name (the kernel's default NR_CPUS-sized mask the platform passes). */
    static final int MAX_CPU = 4095;

    /**
     * A CPU list as Linux writes them ({@code 1,3} or {@code 2-5} or both), in the order given,
     * each CPU at most once; empty when the key is absent.
     */
    List<Integer> cpuList(String key) {
        IniEntry entry = section.entries().get(key);
        if (entry == null) {
            return List.of();
        }
        List<Integer> cpus = new java.util.ArrayList<>();
        for (String part : entry.value().split(",", -1)) {
            Matcher m = CPU_RANGE.matcher(part.strip());
            if (!m.matches()) {
                throw error(entry, key + " = '" + entry.value() + "' is not a CPU list; write CPU numbers and ranges like 1,3 or 2-3");
            }
            int first = Integer.parseInt(m.group(1));
            int last = m.group(2) == null ? first : Integer.parseInt(m.group(2));
            if (first > MAX_CPU || last > MAX_CPU || last < first) {
                throw error(entry, key + ": '" + part.strip() + "' is not a CPU range in 0.." + MAX_CPU);
            }
            for (int cpu = first; cpu <= last; cpu++) {
                if (cpus.contains(cpu)) {
                    throw error(entry, key + ": CPU " + cpu + " is named twice; each PMD thread needs its own CPU");
                }
                cpus.add(cpu);
            }
        }
        return List.copyOf(cpus);
    }

    /** A size like {@code 512M}, {@code 64G}, {@code 1T} (binary units; {@code 64GiB} also reads) in 1M..128T. */
    long bytes(String key, long defaultValue) {
        IniEntry entry = section.entries().get(key);
        if (entry == null) {
            return defaultValue;
        }
        Matcher m = BYTES.matcher(entry.value());
        if (m.matches()) {
            int shift = switch (m.group(2)) {
                case "K" -> 10;
                case "M" -> 20;
                case "G" -> 30;
                default -> 40;
            };
            long amount = Long.parseLong(m.group(1));
            // At most 9 digits: amount << 40 < 2^70 could overflow, so compare before shifting.
            if (amount > 0 && amount <= MAX_BYTES >> shift && amount << shift >= MIN_BYTES) {
                return amount << shift;
            }
        }
        throw error(entry, key + " = '" + entry.value() + "' is not a size in 1M..128T; write a number and a unit"
                + " (K, M, G, T: powers of 1024) like 512M, 64G or 1T");
    }

    Duration duration(String key, Duration defaultValue) {
        IniEntry entry = section.entries().get(key);
        if (entry == null) {
            return defaultValue;
        }
        Matcher m = DURATION.matcher(entry.value());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw error(entry, key + " = '" + entry.value()
                    + "' is not a duration; write a positive number and a unit: 500ms, 1s, 5m, 1h");
        }
        long amount = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        if (d.compareTo(MAX_DURATION) > 0) {
            // The tables keep time as System.nanoTime() longs: a longer duration would fail with an
            // ArithmeticException when the switch starts instead of here with the line to fix.
            throw error(entry, key + " = '" + entry.value() + "' is too long; at most " + MAX_DURATION.toHours() + "h");
        }
        return d;
    }

    int ipv4(IniEntry entry) {
        try {
            return Ipv4.parse(entry.value());
        } catch (IllegalArgumentException e) {
            throw error(entry, entry.key() + " = '" + entry.value() + "' is not an IPv4 address; write four numbers 0..255 like 10.0.1.1");
        }
    }

    Ipv4Prefix prefix(IniEntry entry) {
        try {
            return Ipv4Prefix.parse(entry.value());
        } catch (IllegalArgumentException e) {
            // The model's message says what is wrong (host bits, length); add the expected form.
            throw error(entry, entry.key() + " = '" + entry.value() + "': " + e.getMessage() + "; write a network like 10.0.1.0/24");
        }
    }

    long unicastMac(IniEntry entry) {
        long mac;
        try {
            mac = MacAddress.parse(entry.value());
        } catch (IllegalArgumentException e) {
            throw error(entry, entry.key() + " = '" + entry.value() + "' is not a MAC address; write six hex pairs like 02:00:00:00:01:01");
        }
        if (MacAddress.isMulticast(mac) || mac == 0) {
            throw error(entry, entry.key() + " = " + entry.value()
                    + " is a multicast or zero address; use a unicast one (first octet even), like 02:00:00:00:01:01");
        }
        return mac;
    }

    int vlan(IniEntry entry) {
        return vlan(entry, entry.value());
    }

    int vlan(IniEntry entry, String text) {
        try {
            int v = Integer.parseInt(text.strip());
            PortVlan.checkVlan(v);
            return v;
        } catch (IllegalArgumentException e) {
            throw error(entry, entry.key() + ": '" + text.strip() + "' is not a VLAN id; use 1..4094 (0 and 4095 are reserved by 802.1Q)");
        }
    }

    /** A comma-separated list of VLAN ids, each once. */
    Set<Integer> vlanList(IniEntry entry) {
        Set<Integer> vlans = new TreeSet<>();
        for (String part : entry.value().split(",", -1)) {
            if (!vlans.add(vlan(entry, part))) {
                throw error(entry, entry.key() + " lists VLAN " + part.strip() + " twice; list each VLAN once");
            }
        }
        return vlans;
    }

    /** Names used in counters and control output: no spaces or colons (the label separator). */
    static boolean isValidName(String name) {
        return name.matches("[A-Za-z0-9_.-]{1,32}");
    }
}
