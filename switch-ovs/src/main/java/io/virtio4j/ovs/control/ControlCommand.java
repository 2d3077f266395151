package io.virtio4j.ovs.control;

import java.util.Objects;

/**
 * One command of the control interface.
 *
 * @param name    the request word ({@code fdb}, {@code ports}, ...): lower case letters, digits, '-', '/'
 * @param help    one line for {@code help}
 * @param handler produces the reply; runs on the control thread, never on a PMD thread
 */
public record ControlCommand(String name, String help, Handler handler) {

    /** Produces a command's table. It reads switch state that PMD threads update: it must not block them. */
    @FunctionalInterface
    public interface Handler {
        /** The command's reply table. */
        Table run();
    }

    /** Produces a command's table from the words after its name ({@code log-level LOGGER LEVEL}). */
    @FunctionalInterface
    public interface ArgumentHandler {
        /** The command's reply table; {@code arguments} are the request's words after the name, none empty. */
        Table run(java.util.List<String> arguments);
    }

    /** Checks the name (1..32 lower-case letters, digits, '-', '/'). */
    public ControlCommand {
        Objects.requireNonNull(help, "help");
        Objects.requireNonNull(handler, "handler");
        if (name == null || !name.matches("[a-z0-9][a-z0-9/-]{0,31}")) {
            throw new IllegalArgumentException("command name '" + name + "': use 1..32 lower-case letters, digits, '-', '/'");
        }
    }
}
