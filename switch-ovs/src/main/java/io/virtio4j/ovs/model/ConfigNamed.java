package io.virtio4j.ovs.model;

/** An enum constant with a name of its own in config files (lower case, dashes). */
public interface ConfigNamed {
    /** The name used in config files and on the command line. */
    String configName();

    /** The constant of {@code values} called {@code name} in a config file, or {@code null}. */
    static <T extends ConfigNamed> T byConfigName(T[] values, String name) {
        for (T v : values) {
            if (v.configName().equals(name)) {
                return v;
            }
        }
        return null;
    }
}
