package io.virtio4j.spi;

/**
 * One option a backend provider accepts in its configuration string.
 *
 * @param name         the key, e.g. {@code ifname}
 * @param type         how the value is parsed
 * @param defaultValue the value when absent, as text (parsed with {@code type}); null if required
 * @param description  one line for help and error messages
 * @param <T>          the parsed value type
 */
public record BackendOption<T>(String name, OptionType<T> type, String defaultValue, String description) {

    /** A required option. */
    public static <T> BackendOption<T> required(String name, OptionType<T> type, String description) {
        return new BackendOption<>(name, type, null, description);
    }

    /** An option with a default. */
    public static <T> BackendOption<T> optional(String name, OptionType<T> type, String defaultValue, String description) {
        type.parse(defaultValue);
        return new BackendOption<>(name, type, defaultValue, description);
    }

    /** Whether the option must be given. */
    public boolean isRequired() {
        return defaultValue == null;
    }

    /** {@code name=<accepts>} with its default, for help and error messages. */
    public String usage() {
        return name + "=<" + type.accepts() + ">" + (isRequired() ? " (required)" : " (default " + defaultValue + ")")
                + ": " + description;
    }
}
