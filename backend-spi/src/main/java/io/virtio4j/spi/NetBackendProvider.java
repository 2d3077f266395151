package io.virtio4j.spi;

import java.util.List;

/**
 * The service-provider interface: a backend implementation registers one provider with
 * {@code provides io.virtio4j.spi.NetBackendProvider with ...} in its module-info (or
 * {@code META-INF/services} on the class path), and is chosen by its {@link #name()} in a
 * configuration string.
 */
public interface NetBackendProvider {
    /** The name used in configuration, e.g. {@code tap}. Lower case, unique. */
    String name();

    /** One line: what the backend is and when to choose it. */
    String description();

    /** The options it accepts; {@link NetBackends} validates configurations against them. */
    List<BackendOption<?>> options();

    /**
     * Creates a backend from a validated configuration.
     *
     * @throws BackendConfigException if the options are valid one by one but not together
     */
    NetBackend open(BackendConfig config);
}
