package io.virtio4j.ovs.control;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The commands the control socket answers, and the options some of them take
 * ({@code pmd-stats --clear}). {@code help} is built in and lists the others. Parts of
 * the switch register their commands as they start (the config tables at once, {@code fdb} and
 * {@code pmd-stats} when the data path runs), so registration is thread-safe.
 */
public final class CommandRegistry {
    /** The built-in command that lists the others. */
    public static final String HELP = "help";

    private final Map<String, ControlCommand> commands = new ConcurrentSkipListMap<>();
    /** Option handlers keyed {@code "COMMAND --option"}, e.g. {@code pmd-stats --clear}. */
    private final Map<String, ControlCommand.Handler> options = new ConcurrentSkipListMap<>();
    /** The commands that take words after their name, and what handles those. */
    private final Map<String, ControlCommand.ArgumentHandler> argumentHandlers = new ConcurrentSkipListMap<>();

    /** A registry holding only {@code help}. */
    public CommandRegistry() {
        commands.put(HELP, new ControlCommand(HELP, CtlCommands.help(HELP), this::helpTable));
    }

    /** Adds {@code name} with its help line from the offline catalog that {@code ctl --help} prints. */
    public CommandRegistry register(String name, ControlCommand.Handler handler) {
        return register(name, CtlCommands.help(name), handler);
    }

    /**
     * Adds an option to the registered command {@code name}: {@code name option} runs
     * {@code handler} instead of the command's own ({@code pmd-stats --clear}).
     */
    public CommandRegistry registerOption(String name, String option, ControlCommand.Handler handler) {
        if (!commands.containsKey(name) || !option.matches("--[a-z][a-z-]{0,30}") || option.equals(CtlCommands.JSON)) {
            throw new IllegalArgumentException("option " + option + " of '" + name + "': register the command first; options"
                    + " look like --clear and --json is built in");
        }
        if (options.putIfAbsent(name + " " + option, handler) != null) {
            throw new IllegalStateException("option " + option + " of '" + name + "' is registered twice");
        }
        return this;
    }

    /**
     * Adds {@code name}, which takes words after its name ({@code log-level LOGGER LEVEL}): the
     * request's words that are not options reach {@code handler}; without any it gets an empty list.
     */
    public CommandRegistry registerWithArguments(String name, ControlCommand.ArgumentHandler handler) {
        register(name, () -> handler.run(java.util.List.of()));
        argumentHandlers.put(name, handler);
        return this;
    }

    /** The handler of {@code name}'s arguments, or null when it takes none. */
    public ControlCommand.ArgumentHandler findArguments(String name) {
        return argumentHandlers.get(name);
    }

    /** The handler of {@code option} of command {@code name}, or null. */
    public ControlCommand.Handler findOption(String name, String option) {
        return options.get(name + " " + option);
    }

    /** The options {@code name} takes besides --json, for error messages ("none" when it takes none). */
    String optionsOf(String name) {
        String prefix = name + " ";
        String list = String.join(", ", options.keySet().stream().filter(k -> k.startsWith(prefix))
                .map(k -> k.substring(prefix.length())).toList());
        return list.isEmpty() ? "none" : list;
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

    /** {@link #replace(String, String, ControlCommand.Handler)} with the help line from the offline catalog. */
    public CommandRegistry replace(String name, ControlCommand.Handler handler) {
        return replace(name, CtlCommands.help(name), handler);
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
        commands.values().forEach(c -> {
            table.row(c.name(), c.help());
            String prefix = c.name() + " ";
            options.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(k -> {
                CtlCommands.Entry entry = CtlCommands.find(c.name());
                String option = k.substring(prefix.length());
                // The command again in the first column: one token, and awk '$1 == "pmd-stats"' finds both rows.
                table.row(c.name(), "with " + option + ": " + (entry == null ? "" : entry.options().getOrDefault(option, "")));
            });
        });
        return table;
    }
}
