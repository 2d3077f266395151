package io.virtio4j.spi;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A backend choice validated against its provider's options: every key known, every value parsed,
 * every required option present, defaults filled in.
 */
public final class BackendConfig {
    private final String backend;
    private final Map<String, Object> values;

    private BackendConfig(String backend, Map<String, Object> values) {
        this.backend = backend;
        this.values = values;
    }

    /**
     * Validates {@code spec} against {@code options}.
     *
     * @throws BackendConfigException naming the bad option and listing the valid ones
     */
    public static BackendConfig validate(BackendSpec spec, List<BackendOption<?>> options) {
        Map<String, BackendOption<?>> byName = new HashMap<>();
        for (BackendOption<?> o : options) {
            byName.put(o.name(), o);
        }
        Map<String, Object> values = new HashMap<>();
        for (Map.Entry<String, String> e : spec.options().entrySet()) {
            BackendOption<?> option = byName.get(e.getKey());
            if (option == null) {
                throw new BackendConfigException("unknown option '" + e.getKey() + "' for backend '" + spec.name() + "'"
                        + DidYouMean.hint(e.getKey(), options.stream().map(BackendOption::name).toList())
                        + "; valid options:\n" + usage(options));
            }
            values.put(option.name(), parse(spec, option, e.getValue()));
        }
        for (BackendOption<?> option : options) {
            if (!values.containsKey(option.name())) {
                if (option.isRequired()) {
                    throw new BackendConfigException("backend '" + spec.name() + "' needs option '" + option.name()
                            + "'; valid options:\n" + usage(options));
                }
                values.put(option.name(), option.type().parse(option.defaultValue()));
            }
        }
        return new BackendConfig(spec.name(), Map.copyOf(values));
    }

    private static Object parse(BackendSpec spec, BackendOption<?> option, String text) {
        try {
            return option.type().parse(text);
        } catch (IllegalArgumentException e) {
            String hint = option.type() instanceof OptionType.Choice choice ? DidYouMean.hint(text, choice.values()) : "";
            throw new BackendConfigException("bad value '" + text + "' for option '" + option.name() + "' of backend '"
                    + spec.name() + "' (" + e.getMessage() + "): expected " + option.type().accepts() + hint);
        }
    }

    /** One line per option, for messages and help. */
    public static String usage(List<BackendOption<?>> options) {
        return options.stream().map(o -> "  " + o.usage()).collect(Collectors.joining("\n"));
    }

    /** The provider name. */
    public String backend() {
        return backend;
    }

    /** The parsed value of {@code option}. */
    public <T> T get(BackendOption<T> option) {
        Object value = values.get(option.name());
        if (value == null) {
            throw new IllegalArgumentException("option '" + option.name() + "' is not an option of backend '" + backend + "'");
        }
        @SuppressWarnings("unchecked")
        T typed = (T) value;
        return typed;
    }

    @Override
    public String toString() {
        return backend + new java.util.TreeMap<>(values);
    }
}
