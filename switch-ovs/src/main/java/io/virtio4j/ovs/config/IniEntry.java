package io.virtio4j.ovs.config;

/**
 * One {@code key = value} line.
 *
 * @param key   the key, lower case as written
 * @param value the value, trimmed, without a trailing comment
 * @param line  1-based line number, for error messages
 */
public record IniEntry(String key, String value, int line) {
}
