package io.virtio4j.samples.logging;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;

import io.virtio4j.ovs.config.LogSettings;
import io.virtio4j.ovs.control.ControlException;
import io.virtio4j.ovs.control.LogControl;

import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The daemon's log levels and log file, set on Logback: at start from the config
 * ({@code log-level}, {@code log-level.LOGGER}, {@code log-file}), then by {@code ctl log-level}.
 * Logback's levels are read by every logging call, so a change takes effect at once, on every thread.
 */
public final class LogbackControl implements LogControl {
    // LogControl.Level (a row of ctl log-level) shadows Logback's Level here: Logback's is written out in full.
    /** ISO-8601 local time with the offset, level, thread, the logger's full name (what log-level.LOGGER takes). */
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger: %msg%n";

    private final LoggerContext context;

    private LogbackControl(LoggerContext context) {
        this.context = context;
    }

    /** Control of the provider SLF4J bound to, or {@link LogControl#NONE} when that is not Logback. */
    public static LogControl current() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        return factory instanceof LoggerContext c ? new LogbackControl(c) : LogControl.NONE;
    }

    /**
     * Sets the vhost-user session and reconnect loggers to warn (refusals and drops still show):
     * for the demo, whose in-process guests would otherwise add a dozen lines each.
     */
    public static void quietSessions() {
        LogControl logs = current();
        if (logs.available()) {
            logs.set("io.virtio4j.vhostuser.protocol.BackendSession", "warn");
            logs.set("io.virtio4j.vhostuser.transport.Connector", "warn");
        }
    }

    /** Everything at info to stderr with timestamps: the launcher's default. */
    static void logToStderr(LoggerContext context) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.err");
        replaceAppender(context, console, "stderr");
        root(context).setLevel(ch.qos.logback.classic.Level.INFO);
    }

    private static void replaceAppender(LoggerContext context, OutputStreamAppender<ILoggingEvent> appender, String name) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        appender.setContext(context);
        appender.setName(name);
        appender.setEncoder(encoder);
        appender.start();
        if (!appender.isStarted()) {
            throw new ControlException("the log cannot be written to " + name + "; check the path and its permissions");
        }
        Logger root = root(context);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
    }

    private static Logger root(LoggerContext context) {
        return context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Override
    public void configure(LogSettings settings) {
        if (settings.file() != null) {
            Path file = settings.file().toAbsolutePath();
            Path dir = file.getParent();
            if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
                throw new ControlException("log-file " + file + ": the directory " + dir
                        + " does not exist or is not writable; create it or choose another log-file");
            }
            FileAppender<ILoggingEvent> appender = new FileAppender<>();
            appender.setFile(file.toString());
            appender.setAppend(true);
            replaceAppender(context, appender, file.toString());
        }
        root(context).setLevel(ch.qos.logback.classic.Level.toLevel(settings.level()));
        settings.loggers().forEach((name, level) -> logger(name).setLevel(ch.qos.logback.classic.Level.toLevel(level)));
    }

    @Override
    public LogControl.Level set(String logger, String level) {
        Logger l = logger(logger);
        // "default" (refused for the root before it gets here): inherit the parent's level again.
        l.setLevel(level.equals("default") ? null : ch.qos.logback.classic.Level.toLevel(level));
        return describe(l);
    }

    @Override
    public List<LogControl.Level> levels() {
        List<LogControl.Level> levels = new ArrayList<>();
        for (Logger l : context.getLoggerList()) {
            if (l.getLevel() != null) {
                levels.add(describe(l));
            }
        }
        return levels;
    }

    private Logger logger(String name) {
        return name.equals(LogSettings.ROOT) ? root(context) : context.getLogger(name);
    }

    private static LogControl.Level describe(Logger l) {
        String name = l.getName().equals(org.slf4j.Logger.ROOT_LOGGER_NAME) ? LogSettings.ROOT : l.getName();
        return new LogControl.Level(name, l.getLevel() == null ? "-" : lower(l.getLevel()), lower(l.getEffectiveLevel()));
    }

    private static String lower(ch.qos.logback.classic.Level level) {
        return level.toString().toLowerCase(java.util.Locale.ROOT);
    }
}
