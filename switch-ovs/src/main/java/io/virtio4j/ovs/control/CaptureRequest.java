package io.virtio4j.ovs.control;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ctl capture PORT [rx|tx|both] [--count N] [--seconds S] --write FILE}, checked. On the
 * control socket the options travel as words ({@code count=N seconds=S write=/abs/FILE}): the
 * protocol's options take no values, and the file is made absolute where {@code ctl} runs.
 *
 * @param port       the port's name
 * @param directions {@code PortCapture.RX}, {@code TX} or both
 * @param count      stop after this many frames
 * @param seconds    stop after this long
 * @param file       the pcap file the switch writes (absolute)
 */
record CaptureRequest(String port, int directions, long count, Duration seconds, Path file) {
    /** The usage line, for errors and help. */
    static final String USAGE = "capture PORT [rx|tx|both] [--count N] [--seconds S] --write FILE";
    static final long DEFAULT_COUNT = 10_000;
    static final long MAX_COUNT = 100_000_000;
    static final int DEFAULT_SECONDS = 60;
    static final int MAX_SECONDS = 86_400;

    /** The words after {@code capture} on the command line, turned into the words sent on the socket. */
    static List<String> wireWords(List<String> args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--count") || a.equals("--seconds") || a.equals("--write")) {
                if (i + 1 == args.size()) {
                    throw new ControlException(a + " needs a value; usage: " + USAGE);
                }
                String value = args.get(++i);
                out.add(a.substring(2) + "=" + (a.equals("--write") ? Path.of(value).toAbsolutePath().normalize() : value));
            } else {
                out.add(a);
            }
        }
        return out;
    }

    /** Reads the words a client sent after {@code capture}. */
    static CaptureRequest parse(List<String> words) {
        if (words.isEmpty()) {
            throw new ControlException("which port? usage: " + USAGE);
        }
        String port = words.getFirst();
        int directions = 3;
        long count = DEFAULT_COUNT;
        long seconds = DEFAULT_SECONDS;
        Path file = null;
        for (String w : words.subList(1, words.size())) {
            switch (w.toLowerCase(Locale.ROOT)) {
                case "rx" -> directions = 1;
                case "tx" -> directions = 2;
                case "both" -> directions = 3;
                default -> {
                    if (w.startsWith("count=")) {
                        count = number(w, 1, MAX_COUNT);
                    } else if (w.startsWith("seconds=")) {
                        seconds = number(w, 1, MAX_SECONDS);
                    } else if (w.startsWith("write=")) {
                        file = Path.of(w.substring("write=".length()));
                        if (!file.isAbsolute()) {
                            throw new ControlException("--write " + file + ": the switch needs an absolute path (ctl makes"
                                    + " it absolute for you)");
                        }
                    } else {
                        throw new ControlException("'" + w + "' is not a direction or option; usage: " + USAGE);
                    }
                }
            }
        }
        if (file == null) {
            throw new ControlException("where to? add --write FILE; usage: " + USAGE);
        }
        return new CaptureRequest(port, directions, count, Duration.ofSeconds(seconds), file);
    }

    private static long number(String word, long min, long max) {
        String name = word.substring(0, word.indexOf('='));
        String value = word.substring(name.length() + 1);
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new ControlException("--" + name + " " + value + ": use a whole number from " + min + " to " + max);
    }

    /** {@code rx}, {@code tx} or {@code both}. */
    String direction() {
        return directions == 1 ? "rx" : directions == 2 ? "tx" : "both";
    }
}
