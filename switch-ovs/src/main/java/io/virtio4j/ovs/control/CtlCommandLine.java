package io.virtio4j.ovs.control;

import io.virtio4j.ovs.config.SwitchConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * {@code ./virtio4j ctl COMMAND [ARGUMENTS] [OPTIONS] [--json] [--socket PATH]}: asks the running switch one
 * question and prints the table (or, with {@code --json}, one line of JSON). {@code --help}, alone
 * or after a command, prints the usage offline, from {@link CtlCommands}. Exit status: 0 answered
 * (or help printed), 1 the switch answered with an error (or the exchange failed), 2 a wrong
 * command line, 3 no switch listens on the socket.
 *
 * @param command the control command ({@code ctl --help} lists them)
 * @param socket  the control socket, {@link SwitchConfig#DEFAULT_CONTROL_SOCKET} unless given
 * @param json    whether to ask for the table as JSON
 * @param options the command's own options, in the order given ({@code --clear})
 * @param arguments the words after the command for a command that takes some ({@code log-level LOGGER LEVEL})
 */
public record CtlCommandLine(String command, Path socket, boolean json, List<String> options, List<String> arguments) {
    /** Exit status: the switch answered. */
    public static final int EXIT_OK = 0;
    /** Exit status: the switch answered with an error, or the exchange failed. */
    public static final int EXIT_ERROR = 1;
    /** Exit status: a wrong command line. */
    public static final int EXIT_USAGE = 2;
    /** Exit status: no switch listens on the socket. */
    public static final int EXIT_NOT_RUNNING = 3;
    static final String USAGE = "usage: ./virtio4j ctl COMMAND [--socket PATH] [--json] [--help]   (./virtio4j ctl --help"
            + " lists the commands; the socket defaults to " + SwitchConfig.DEFAULT_CONTROL_SOCKET + ")";
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Checks that command and socket are given; copies the options. */
    public CtlCommandLine {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(socket, "socket");
        options = List.copyOf(options);
        arguments = List.copyOf(arguments);
    }

    /** A request without arguments. */
    public CtlCommandLine(String command, Path socket, boolean json, List<String> options) {
        this(command, socket, json, options, List.of());
    }

    /** A plain request: {@code command}, as text, on {@code socket}. */
    public CtlCommandLine(String command, Path socket) {
        this(command, socket, false, List.of());
    }

    /** The request line sent to the switch: the command, its options, then {@code --json} if asked for. */
    public String request() {
        StringBuilder sb = new StringBuilder(command);
        arguments.forEach(a -> sb.append(' ').append(a));
        options.forEach(o -> sb.append(' ').append(o));
        return json ? sb.append(' ').append(CtlCommands.JSON).toString() : sb.toString();
    }

    /** Parses the arguments after {@code ctl} ({@code --help} is handled by {@link #run(String[], PrintStream, PrintStream)}). */
    public static CtlCommandLine parse(String[] args) {
        args = captureWords(args);
        String command = null;
        Path socket = SwitchConfig.DEFAULT_CONTROL_SOCKET;
        boolean json = false;
        List<String> options = new ArrayList<>();
        List<String> arguments = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--socket")) {
                if (i + 1 == args.length || args[i + 1].isEmpty()) {
                    throw new ControlException("--socket needs a path; " + USAGE);
                }
                socket = Path.of(args[++i]);
            } else if (arg.equals(CtlCommands.JSON)) {
                json = true;
            } else if (arg.startsWith("-")) {
                options.add(arg);
            } else if (command == null) {
                command = arg;
            } else if (takesArguments(command)) {
                // One word each on the wire: the protocol separates words with single spaces.
                if (arg.isEmpty() || !arg.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
                    throw new ControlException("'" + arg + "' is not one word; " + USAGE);
                }
                arguments.add(arg);
            } else {
                throw new ControlException("one command at a time (got " + command + " and " + arg + "); " + USAGE);
            }
        }
        if (command == null) {
            throw new ControlException("no command; " + USAGE);
        }
        CtlCommands.Entry entry = CtlCommands.find(command);
        for (String option : options) {
            if (entry == null || !entry.options().containsKey(option) || options.indexOf(option) != options.lastIndexOf(option)) {
                throw new ControlException("unknown option " + option + (entry == null || entry.options().isEmpty() ? ""
                        : " (" + command + " takes " + String.join(", ", entry.options().keySet()) + ")") + "; " + USAGE);
            }
        }
        return new CtlCommandLine(command, socket, json, options, arguments);
    }

    /** {@code capture}'s valued options ({@code --count N}) as the words the switch reads ({@code count=N}). */
    private static String[] captureWords(String[] args) {
        // The command is the first word that is neither an option nor --socket's path.
        int at = -1;
        for (int i = 0; i < args.length && at < 0; i++) {
            if (args[i].equals("--socket")) {
                i++;
            } else if (!args[i].startsWith("-")) {
                at = i;
            }
        }
        if (at < 0 || !args[at].equals("capture")) {
            return args;
        }
        List<String> words = new ArrayList<>(Arrays.asList(args).subList(0, at + 1));
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(at + 1, args.length));
        // --socket PATH and --json stay ctl's own.
        List<String> own = new ArrayList<>();
        for (int i = 0; i < rest.size(); i++) {
            if (rest.get(i).equals("--socket") && i + 1 < rest.size()) {
                own.add(rest.remove(i));
                own.add(rest.remove(i));
                i--;
            } else if (rest.get(i).equals(CtlCommands.JSON)) {
                own.add(rest.remove(i));
                i--;
            }
        }
        words.addAll(CaptureRequest.wireWords(rest));
        words.addAll(own);
        return words.toArray(String[]::new);
    }

    private static boolean takesArguments(String command) {
        CtlCommands.Entry entry = CtlCommands.find(command);
        return entry != null && !entry.arguments().isEmpty();
    }

    /** Runs {@code ctl} with the arguments after it; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            return help(args, out, err);
        }
        if (args.length == 0) {
            err.print(usage());
            return EXIT_USAGE;
        }
        CtlCommandLine line;
        try {
            line = parse(args);
        } catch (ControlException e) {
            err.println("virtio4j ctl: " + e.getMessage());
            return EXIT_USAGE;
        }
        try {
            ControlReply reply = ControlClient.send(line.socket(), line.request(), TIMEOUT);
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

    /** {@code ctl --help} (every command) or {@code ctl COMMAND --help} (that command and its JSON fields). */
    private static int help(String[] args, PrintStream out, PrintStream err) {
        String command = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--socket")) {
                i++;
            } else if (!args[i].startsWith("-")) {
                command = args[i];
                break;
            }
        }
        if (command == null) {
            out.print(usage());
            return EXIT_OK;
        }
        CtlCommands.Entry entry = CtlCommands.find(command);
        if (entry == null) {
            err.println("virtio4j ctl: unknown command '" + command + "'");
            err.print(usage());
            return EXIT_USAGE;
        }
        out.print(commandHelp(entry));
        return EXIT_OK;
    }

    /** The full offline usage: options, every command and its options, exit statuses. */
    public static String usage() {
        StringBuilder sb = new StringBuilder(USAGE).append('\n');
        sb.append("Asks the running switch one question and prints the answer as a table, one token per cell.\n");
        sb.append("  --socket PATH  the switch's control socket ([switch] control in its config; default ")
                .append(SwitchConfig.DEFAULT_CONTROL_SOCKET).append(")\n");
        sb.append("  --json         the table as one line of JSON: an array with one object per row\n");
        sb.append("  --help         this text; after a COMMAND, that command's help and JSON field names\n");
        sb.append("commands:\n");
        for (CtlCommands.Entry e : CtlCommands.ALL) {
            sb.append(String.format("  %-12s %s%n", e.name(), e.help()));
            if (!e.arguments().isEmpty()) {
                sb.append(String.format("    %s%n", e.name() + " " + e.arguments()));
            }
            e.options().forEach((option, help) -> sb.append(String.format("    %-10s %s%n", option, help)));
        }
        sb.append("exit status: 0 answered, 1 the switch answered with an error, 2 a wrong command line,"
                + " 3 no switch listens on the socket\n");
        return sb.toString();
    }

    private static String commandHelp(CtlCommands.Entry e) {
        StringBuilder sb = new StringBuilder("usage: ./virtio4j ctl ").append(e.name());
        if (!e.arguments().isEmpty()) {
            sb.append(' ').append(e.arguments());
        }
        e.options().keySet().forEach(o -> sb.append(" [").append(o).append(']'));
        sb.append(" [--json] [--socket PATH]\n").append(e.help()).append('\n');
        e.options().forEach((option, help) -> sb.append(String.format("  %-10s %s%n", option, help)));
        for (List<String> fields : e.fields()) {
            sb.append("JSON fields").append(e.fields().size() > 1 ? " (one shape)" : "").append(": ")
                    .append(String.join(" ", fields)).append('\n');
        }
        return sb.toString();
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
