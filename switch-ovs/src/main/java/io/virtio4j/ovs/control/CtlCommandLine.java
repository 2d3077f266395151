package io.virtio4j.ovs.control;

import io.virtio4j.ovs.config.SwitchConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * {@code ./virtio4j ctl CMD [--socket PATH]}: asks the running switch one question and prints the
 * table. Exit status: 0 answered, 1 the switch answered with an error (or the exchange failed),
 * 2 a wrong command line, 3 no switch listens on the socket.
 *
 * @param command the control command ({@code help} lists them)
 * @param socket  the control socket, {@link SwitchConfig#DEFAULT_CONTROL_SOCKET} unless given
 */
public record CtlCommandLine(String command, Path socket) {
    /** Exit status: the switch answered. */
    public static final int EXIT_OK = 0;
    /** Exit status: the switch answered with an error, or the exchange failed. */
    public static final int EXIT_ERROR = 1;
    /** Exit status: a wrong command line. */
    public static final int EXIT_USAGE = 2;
    /** Exit status: no switch listens on the socket. */
    public static final int EXIT_NOT_RUNNING = 3;
    static final String USAGE = "usage: ./virtio4j ctl COMMAND [--socket PATH]   (COMMAND: help, ports, fdb, routes, "
            + "neighbours, flows, pmd-stats, counters; the socket defaults to " + SwitchConfig.DEFAULT_CONTROL_SOCKET + ")";
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Checks that command and socket are given. */
    public CtlCommandLine {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(socket, "socket");
    }

    /** Parses the arguments after {@code ctl}. */
    public static CtlCommandLine parse(String[] args) {
        String command = null;
        Path socket = SwitchConfig.DEFAULT_CONTROL_SOCKET;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--socket")) {
                if (i + 1 == args.length || args[i + 1].isEmpty()) {
                    throw new ControlException("--socket needs a path; " + USAGE);
                }
                socket = Path.of(args[++i]);
            } else if (arg.startsWith("-")) {
                throw new ControlException("unknown option " + arg + "; " + USAGE);
            } else if (command == null) {
                command = arg;
            } else {
                throw new ControlException("one command at a time (got " + command + " and " + arg + "); " + USAGE);
            }
        }
        if (command == null) {
            throw new ControlException("no command; " + USAGE);
        }
        return new CtlCommandLine(command, socket);
    }

    /** Runs {@code ctl} with the arguments after it; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CtlCommandLine line;
        try {
            line = parse(args);
        } catch (ControlException e) {
            err.println("virtio4j ctl: " + e.getMessage());
            return EXIT_USAGE;
        }
        try {
            ControlReply reply = ControlClient.send(line.socket(), line.command(), TIMEOUT);
            if (!reply.ok()) {
                err.println("virtio4j ctl: " + reply.error());
                return EXIT_ERROR;
            }
            out.print(reply.text());
            return EXIT_OK;
        } catch (ControlException e) {
            err.println("virtio4j ctl: " + e.getMessage());
            return e.switchNotRunning() ? EXIT_NOT_RUNNING : EXIT_ERROR;
        }
    }

    /** The launcher's subcommand entry point (arguments after {@code ctl}). */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    /** {@code ./virtio4j ctl}: runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }
}
