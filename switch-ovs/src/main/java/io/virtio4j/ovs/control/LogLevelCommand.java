package io.virtio4j.ovs.control;

import io.virtio4j.ovs.config.LogSettings;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ctl log-level [LOGGER LEVEL]}: without arguments the levels in force (the root's and
 * every logger's own), with a logger and a level that logger's new level. Checked here, before
 * the provider sees anything: a client cannot create loggers with made-up names or levels.
 */
final class LogLevelCommand {
    private static final Logger LOG = LoggerFactory.getLogger(LogLevelCommand.class);
    /** The level word that makes a logger inherit its parent's level again. */
    static final String DEFAULT = "default";

    private LogLevelCommand() {
    }

    static Table run(LogControl logs, List<String> arguments) {
        if (arguments.isEmpty()) {
            return table(logs.levels());
        }
        if (arguments.size() != 2) {
            throw new ControlException("log-level takes a logger and a level (log-level io.virtio4j.vhostuser debug), or"
                    + " nothing to list the levels");
        }
        String logger;
        String level;
        try {
            logger = LogSettings.checkLogger(arguments.get(0));
            level = arguments.get(1).equals(DEFAULT) && !logger.equals(LogSettings.ROOT) ? DEFAULT
                    : LogSettings.checkLevel(arguments.get(1));
        } catch (IllegalArgumentException e) {
            throw new ControlException(e.getMessage() + (arguments.get(1).equals(DEFAULT) ? " (the root has no default)"
                    : " (or default: inherit again)"));
        }
        LogControl.Level now = logs.set(logger, level);
        LOG.info("log level of {} set to {} at run time (logs at {})", now.logger(), level, now.effective());
        return table(List.of(now));
    }

    private static Table table(List<LogControl.Level> levels) {
        Table table = Table.of("logger", "level", "effective");
        levels.forEach(l -> table.row(l.logger(), l.level(), l.effective()));
        return table;
    }
}
