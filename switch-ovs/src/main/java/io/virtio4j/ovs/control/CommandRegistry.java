package io.virtio4j.ovs.control;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The commands the control socket answers. {@code help} is built in and lists the others. Parts of
 * the switch register their commands as they start (the config tables at once, {@code fdb} and
 * {@code pmd-stats} when the data path runs), so registration is thread-safe.
 */
public final class CommandRegistry {
    /** The built-in command that lists the others. */
    public static final String HELP = "help";

    private final Map<String, ControlCommand> commands = new ConcurrentSkipListMap<>();

    /** A registry holding only {@code help}. */
    public CommandRegistry() {
        commands.put(HELP, new ControlCommand(HELP, "list the commands", this::helpTable));
    }

    /** Adds {@code name}; a second command of the same name is a programming error. */
    public CommandRegistry register(String name, String help, ControlCommand.Handler handler) {
        ControlCommand command = new ControlCommand(name, help, handler);
        if (commands.putIfAbsent(name, command) != null) {
            throw new IllegalStateException("control command '" + name + "' is registered twice");
        }
        return this;
    }

    /**
     * Adds {@code name} or replaces the command of that name: a live table (the pipeline's routes
     * with learned neighbours) supersedes the one read from the config.
     */
    public CommandRegistry replace(String name, String help, ControlCommand.Handler handler) {
        if (HELP.equals(name)) {
            throw new IllegalArgumentException("'help' is built in");
        }
        commands.put(name, new ControlCommand(name, help, handler));
        return this;
    }

    /** The command called {@code name}, or null. */
    public ControlCommand find(String name) {
        return commands.get(name);
    }

    /** The command names, sorted, for error messages. */
    public String names() {
        return String.join(", ", commands.keySet());
    }

    private Table helpTable() {
        Table table = Table.of("command", "help").freeTextLast();
        commands.values().forEach(c -> table.row(c.name(), c.help()));
        return table;
    }
}
