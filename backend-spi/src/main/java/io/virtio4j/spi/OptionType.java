package io.virtio4j.spi;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How an option's text becomes a value; each type can say what it accepts. */
public sealed interface OptionType<T> {
    /** Parses {@code text}, throwing {@link IllegalArgumentException} with a reason if malformed. */
    T parse(String text);

    /** A short description of accepted values, for error messages and help. */
    String accepts();

    /** Any non-empty text. */
    OptionType<String> STRING = new Text();
    /** {@code true} / {@code false} / {@code on} / {@code off}. */
    OptionType<Boolean> BOOLEAN = new Bool();
    /** A duration such as {@code 500ms}, {@code 1s}, {@code 2m}. */
    OptionType<Duration> DURATION = new Time();

    /** An integer in [{@code min}, {@code max}]. */
    static OptionType<Integer> integer(int min, int max) {
        return new IntRange(min, max);
    }

    /** One of {@code values} (case-insensitive), returned in lower case. */
    static OptionType<String> oneOf(String... values) {
        return new Choice(List.of(values));
    }

    /** Any non-empty text. */
    record Text() implements OptionType<String> {
        @Override
        public String parse(String text) {
            if (text.isEmpty()) {
                throw new IllegalArgumentException("empty value");
            }
            return text;
        }

        @Override
        public String accepts() {
            return "text";
        }
    }

    /** A boolean. */
    record Bool() implements OptionType<Boolean> {
        @Override
        public Boolean parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "true", "on", "yes", "1" -> true;
                case "false", "off", "no", "0" -> false;
                default -> throw new IllegalArgumentException("not a boolean");
            };
        }

        @Override
        public String accepts() {
            return "true|false";
        }
    }

    /** A duration with a unit. */
    record Time() implements OptionType<Duration> {
        private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m)");

        @Override
        public Duration parse(String text) {
            Matcher m = FORM.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a duration");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
        }

        @Override
        public String accepts() {
            return "a duration like 500ms, 1s, 2m";
        }
    }

    /** A bounded integer. */
    record IntRange(int min, int max) implements OptionType<Integer> {
        @Override
        public Integer parse(String text) {
            int value;
            try {
                value = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an integer");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("out of range");
            }
            return value;
        }

        @Override
        public String accepts() {
            return "an integer " + min + ".." + max;
        }
    }

    /** An enumeration. */
    record Choice(List<String> values) implements OptionType<String> {
        @Override
        public String parse(String text) {
            String lower = text.toLowerCase(Locale.ROOT);
            if (!values.contains(lower)) {
                throw new IllegalArgumentException("not one of the choices");
            }
            return lower;
        }

        @Override
        public String accepts() {
            return "one of " + String.join("|", values);
        }
    }
}
