package io.virtio4j.samples;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.virtio4j.ovs.control.CtlCommandLine;
import io.virtio4j.ovs.control.SwitchDaemon;
import io.virtio4j.ovs.control.SwitchDaemonOptions;
import io.virtio4j.samples.demo.DemoOptions;
import io.virtio4j.samples.demo.RingDemo;
import io.virtio4j.samples.demo.SwitchDemo;
import io.virtio4j.samples.embed.DeviceWithBackend;
import io.virtio4j.samples.embed.KvmWiring;
import io.virtio4j.samples.embed.SwitchFromCode;
import io.virtio4j.samples.logging.LogbackControl;

/**
 * The launcher's entry point: {@code ./virtio4j <subcommand> [options]}. {@code --help} after any
 * subcommand prints its usage without running it ({@code ctl} prints its own, per command);
 * {@code --version} prints the version.
 */
public final class Main {
    /** A subcommand: takes the remaining arguments, returns the exit status. */
    @FunctionalInterface
    interface Subcommand {
        int run(String[] args) throws Exception;
    }

    private record Entry(String summary, String usage, Subcommand command) {
    }

    private static final Map<String, Entry> COMMANDS = new LinkedHashMap<>();
    private static final List<String> HELP = List.of("--help", "-h");

    static {
        COMMANDS.put("switch", new Entry("the switch daemon: --config FILE (docs/switch-config.md), until SIGINT/SIGTERM",
                SwitchDaemonOptions.USAGE, args -> SwitchDaemon.run(args, LogbackControl.current())));
        COMMANDS.put("ctl", new Entry("ask a running switch: ports, fdb, routes, flows, pmd-stats, ... (ctl --help lists all)",
                null, CtlCommandLine::run));
        COMMANDS.put("demo", new Entry("the switch and four in-process guests over vhost-user: ARP, pings, VLANs, throughput, tables",
                DemoOptions.USAGE, args -> {
                    // The demo tells its own story on stdout: the per-session lines an operator wants
                    // from the daemon (4 guests connecting, their rings) would only bury it.
                    LogbackControl.quietSessions();
                    return SwitchDemo.run(args);
                }));
        COMMANDS.put("ring-demo", new Entry("an in-process guest driver and our device exchange frames over split virtqueues",
                "usage: ./virtio4j ring-demo [--seconds N (5)]", RingDemo::run));
        COMMANDS.put("sample-device", new Entry("sample: a virtio-net device with its backend chosen by a config string pings a peer",
                "usage: ./virtio4j sample-device BACKEND-SPEC GUEST-IP/PREFIX PEER-IP [GUEST-MAC]   (without arguments it lists"
                        + " the backend specs)", args -> DeviceWithBackend.run(args, System.out)));
        COMMANDS.put("sample-switch", new Entry("sample: a switch started from Java code, two guests ping through it",
                SwitchFromCode.USAGE, args -> SwitchFromCode.run(args, System.out)));
        COMMANDS.put("sample-kvm", new Entry("sample: a device's queue kicks bound as KVM ioeventfds, its interrupt as an irqfd",
                "usage: ./virtio4j sample-kvm [BACKEND-SPEC (a vhost-user server socket in a temporary directory)]",
                args -> KvmWiring.run(args, System.out)));
    }

    private Main() {
    }

    /** Runs the named subcommand. */
    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("help") || HELP.contains(args[0])) {
            usage();
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("--version") || args[0].equals("version")) {
            System.out.println("virtio4j " + version());
            return 0;
        }
        Entry entry = COMMANDS.get(args[0]);
        if (entry == null) {
            System.err.println("virtio4j: unknown subcommand '" + args[0] + "'");
            usage();
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (entry.usage() != null && Arrays.stream(rest).anyMatch(HELP::contains)) {
            System.out.println(entry.usage());
            System.out.println(entry.summary());
            return 0;
        }
        return entry.command().run(rest);
    }

    /** The project version Maven wrote into version.properties, or "unknown" when run from unfiltered classes. */
    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void usage() {
        System.err.println("usage: ./virtio4j <subcommand> [options]   (<subcommand> --help: its options; --version: the version)");
        COMMANDS.forEach((name, e) -> System.err.printf("  %-14s %s%n", name, e.summary()));
    }
}
