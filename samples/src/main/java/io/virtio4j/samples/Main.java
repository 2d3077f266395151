package io.virtio4j.samples;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import io.virtio4j.ovs.control.CtlCommandLine;
import io.virtio4j.ovs.control.SwitchDaemon;
import io.virtio4j.samples.demo.RingDemo;
import io.virtio4j.samples.demo.SwitchDemo;
import io.virtio4j.samples.embed.DeviceWithBackend;
import io.virtio4j.samples.embed.KvmWiring;
import io.virtio4j.samples.embed.SwitchFromCode;

/** The launcher's entry point: {@code ./virtio4j <subcommand> [options]}. */
public final class Main {
    /** A subcommand: takes the remaining arguments, returns the exit status. */
    @FunctionalInterface
    interface Subcommand {
        int run(String[] args) throws Exception;
    }

    private record Entry(String summary, Subcommand command) {
    }

    private static final Map<String, Entry> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("switch", new Entry("the switch daemon: --config FILE (docs/switch-config.md), until SIGINT/SIGTERM", SwitchDaemon::run));
        COMMANDS.put("ctl", new Entry("ask a running switch: ports, fdb, routes, flows, pmd-stats, counters [--socket PATH]", CtlCommandLine::run));
        COMMANDS.put("demo", new Entry("the switch and four in-process guests over vhost-user: ARP, pings, VLANs, throughput, tables",
                SwitchDemo::run));
        COMMANDS.put("ring-demo", new Entry("an in-process guest driver and our device exchange frames over split virtqueues",
                RingDemo::run));
        COMMANDS.put("sample-device", new Entry("sample: a virtio-net device with its backend chosen by a config string pings a peer",
                args -> DeviceWithBackend.run(args, System.out)));
        COMMANDS.put("sample-switch", new Entry("sample: a switch started from Java code, two guests ping through it",
                args -> SwitchFromCode.run(args, System.out)));
        COMMANDS.put("sample-kvm", new Entry("sample: a device's queue kicks bound as KVM ioeventfds, its interrupt as an irqfd",
                args -> KvmWiring.run(args, System.out)));
    }

    private Main() {
    }

    /** Runs the named subcommand. */
    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage();
            return args.length == 0 ? 2 : 0;
        }
        Entry entry = COMMANDS.get(args[0]);
        if (entry == null) {
            System.err.println("virtio4j: unknown subcommand '" + args[0] + "'");
            usage();
            return 2;
        }
        return entry.command().run(Arrays.copyOfRange(args, 1, args.length));
    }

    private static void usage() {
        System.err.println("usage: ./virtio4j <subcommand> [options]");
        COMMANDS.forEach((name, e) -> System.err.printf("  %-14s %s%n", name, e.summary()));
    }
}
