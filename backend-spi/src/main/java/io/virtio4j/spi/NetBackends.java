package io.virtio4j.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds backend providers with {@link ServiceLoader} and opens the one a configuration names.
 *
 * <pre>{@code
 * try (NetBackend backend = NetBackends.open("tap:ifname=vt0,queues=2")) { ... }
 * }</pre>
 */
public final class NetBackends {
    private final List<NetBackendProvider> providers;

    private NetBackends(List<NetBackendProvider> providers) {
        this.providers = providers.stream().sorted(Comparator.comparing(NetBackendProvider::name)).toList();
    }

    /** The providers visible to this module's class loader / module layer. */
    public static NetBackends discover() {
        List<NetBackendProvider> found = new ArrayList<>();
        ServiceLoader.load(NetBackendProvider.class, NetBackends.class.getClassLoader()).forEach(found::add);
        return new NetBackends(found);
    }

    /** A registry over an explicit list (tests, or a VMM that wires providers by hand). */
    public static NetBackends of(List<NetBackendProvider> providers) {
        return new NetBackends(providers);
    }

    /** Shorthand for {@code discover().open(BackendSpec.parse(spec))}. */
    public static NetBackend open(String spec) {
        return discover().open(BackendSpec.parse(spec));
    }

    /** All providers, sorted by name. */
    public List<NetBackendProvider> providers() {
        return providers;
    }

    /** The provider called {@code name}, if any. */
    public Optional<NetBackendProvider> provider(String name) {
        return providers.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /**
     * Validates {@code spec} against its provider and opens the backend.
     *
     * @throws BackendConfigException for an unknown backend (listing the known ones), an unknown
     *                                option or a malformed value (listing the valid options)
     */
    public NetBackend open(BackendSpec spec) {
        return provider(spec.name()).orElseThrow(() -> unknown(spec.name())).open(validate(spec));
    }

    /** Opens the backend described by a map with a {@code backend} key. */
    public NetBackend open(Map<String, String> map) {
        return open(BackendSpec.of(map));
    }

    /** Validates without opening (for config checks). */
    public BackendConfig validate(BackendSpec spec) {
        NetBackendProvider provider = provider(spec.name()).orElseThrow(() -> unknown(spec.name()));
        return BackendConfig.validate(spec, provider.options());
    }

    /** Help text: every provider with its options. */
    public String usage() {
        if (providers.isEmpty()) {
            return "no backends installed (put backend-tap, backend-vhostuser or backend-vhostnet on the module path)";
        }
        return providers.stream()
                .map(p -> p.name() + ": " + p.description() + "\n" + BackendConfig.usage(p.options()))
                .collect(Collectors.joining("\n"));
    }

    private BackendConfigException unknown(String name) {
        List<String> names = providers.stream().map(NetBackendProvider::name).toList();
        String known = names.isEmpty() ? "none installed" : String.join(", ", names);
        return new BackendConfigException("unknown backend '" + name + "'" + DidYouMean.hint(name, names) + "; known backends: " + known);
    }
}
