package io.virtio4j.ovs.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code [kind name]} section and its entries in file order.
 *
 * @param kind    the first word of the header ({@code switch}, {@code port}, ...)
 * @param name    the second word, or empty when the header has one word
 * @param line    the header's line number
 * @param entries key to entry, in the order written
 */
public record IniSection(String kind, String name, int line, Map<String, IniEntry> entries) {

    /** Copies the entries, keeping their order. */
    public IniSection {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** {@code [kind name]} or {@code [kind]}, as error messages show it. */
    public String title() {
        return title(kind, name);
    }

    static String title(String kind, String name) {
        return name.isEmpty() ? "[" + kind + "]" : "[" + kind + " " + name + "]";
    }
}
