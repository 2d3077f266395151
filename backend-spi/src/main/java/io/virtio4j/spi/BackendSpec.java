package io.virtio4j.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An unvalidated backend choice: a provider name and its options, written as
 * {@code name:key=value,key=value} (e.g. {@code tap:ifname=vt0,queues=2}) or given as a map.
 * {@link NetBackends} validates it against the provider's declared options.
 *
 * @param name    the provider name
 * @param options the raw option values, in the order given
 */
public record BackendSpec(String name, Map<String, String> options) {

    /** Copies the options. */
    public BackendSpec {
        if (name == null || name.isBlank()) {
            throw new BackendConfigException("a backend spec needs a name, as in tap:ifname=vt0");
        }
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /**
     * Parses {@code name[:key=value[,key=value]...]}.
     *
     * @throws BackendConfigException on an empty name, an option without '=', or a repeated key
     */
    public static BackendSpec parse(String text) {
        String trimmed = text == null ? "" : text.strip();
        int colon = trimmed.indexOf(':');
        String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
        Map<String, String> options = new LinkedHashMap<>();
        if (colon >= 0 && colon + 1 < trimmed.length()) {
            for (String pair : trimmed.substring(colon + 1).split(",", -1)) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new BackendConfigException("malformed option '" + pair + "' in '" + text
                            + "': expected key=value, as in tap:ifname=vt0,queues=2");
                }
                String key = pair.substring(0, eq).strip();
                if (options.put(key, pair.substring(eq + 1).strip()) != null) {
                    throw new BackendConfigException("option '" + key + "' given twice in '" + text + "'");
                }
            }
        }
        return new BackendSpec(name.strip(), options);
    }

    /**
     * A spec from a map whose {@code backend} entry names the provider and whose other entries are
     * options (the shape of a config file section).
     */
    public static BackendSpec of(Map<String, String> map) {
        Map<String, String> options = new LinkedHashMap<>(map);
        String name = options.remove("backend");
        if (name == null) {
            throw new BackendConfigException("backend map needs a 'backend' entry naming the provider; got keys " + map.keySet());
        }
        return new BackendSpec(name, options);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name);
        String sep = ":";
        for (Map.Entry<String, String> e : options.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = ",";
        }
        return sb.toString();
    }
}
