package io.virtio4j.ovs.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The daemon's logging as the config's {@code [switch]} section sets it: {@code log-level} (the
 * root level), {@code log-level.LOGGER} (one logger and those below it, e.g.
 * {@code log-level.io.virtio4j.vhostuser = debug}) and {@code log-file}. Applied by the daemon's
 * SLF4J provider ({@link io.virtio4j.ovs.control.LogControl}); the library itself only logs
 * through the SLF4J API.
 *
 * @param level   the root level, one of {@link #LEVELS}
 * @param loggers per-logger levels, in the order written
 * @param file    where the log goes instead of stderr, or null: stderr
 */
public record LogSettings(String level, Map<String, String> loggers, Path file) {
    /** The levels a logger can be set to, most verbose first; {@code off} logs nothing. */
    public static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");
    /** The root logger's name in {@code ctl log-level}. */
    public static final String ROOT = "root";
    /** No {@code log-level} keys: everything at info, on stderr. */
    public static final LogSettings DEFAULTS = new LogSettings("info", Map.of(), null);

    /** Checks the levels and logger names; copies the map, keeping its order. */
    public LogSettings {
        level = checkLevel(level);
        Map<String, String> copy = new LinkedHashMap<>();
        loggers.forEach((logger, l) -> copy.put(checkLogger(logger), checkLevel(l)));
        loggers = Collections.unmodifiableMap(copy);
    }

    /** {@code level} in lower case if it is one of {@link #LEVELS}; otherwise an IllegalArgumentException saying which are. */
    public static String checkLevel(String level) {
        String l = Objects.requireNonNull(level, "level").toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(l)) {
            throw new IllegalArgumentException("'" + level + "' is not a log level; use one of " + String.join(", ", LEVELS));
        }
        return l;
    }

    /** {@code logger} if it is a logger name (dotted Java identifiers, 1..200 characters) or {@code root}. */
    public static String checkLogger(String logger) {
        Objects.requireNonNull(logger, "logger");
        if (logger.length() > 200 || !logger.matches("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*")) {
            throw new IllegalArgumentException("'" + (logger.length() > 40 ? logger.substring(0, 40) + "..." : logger)
                    + "' is not a logger name; write a package or class name like io.virtio4j.vhostuser, or root");
        }
        return logger;
    }
}
