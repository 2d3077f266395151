package io.virtio4j.ovs.config;

import java.util.Map;
import java.util.Objects;

/**
 * Where in the config file each resource was named, so a check made after reading (is the socket
 * directory there, does the CPU exist, does another switch listen on this socket) can still report
 * {@code FILE:LINE: what is wrong; the fix} like the reader does.
 *
 * @param file  the config file's name as given (shown as is)
 * @param lines line of each named value, keyed by {@link #key}; a value not in the map reports line 0
 */
public record ConfigLines(String file, Map<String, Integer> lines) {
    /** For a config built in Java: errors name no line. */
    public static final ConfigLines NONE = new ConfigLines("(config built in code)", Map.of());

    /** Checks the file name is given; copies the map. */
    public ConfigLines {
        Objects.requireNonNull(file, "file");
        lines = Map.copyOf(lines);
    }

    /** The key of {@code key} in section {@code [kind name]}, e.g. {@code key("port", "vm1", "path")}. */
    public static String key(String kind, String name, String key) {
        return IniSection.title(kind, name) + " " + key;
    }

    /** The 1-based line of {@code key} (see {@link #key}), or 0 when it was not written in the file. */
    public int line(String key) {
        return lines.getOrDefault(key, 0);
    }

    /** An error at {@code key}'s line, in the reader's {@code FILE:LINE: detail} form. */
    public ConfigException error(String key, String detail) {
        return new ConfigException(file, line(key), detail);
    }
}
