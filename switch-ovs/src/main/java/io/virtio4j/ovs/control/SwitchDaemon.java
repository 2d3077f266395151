package io.virtio4j.ovs.control;

import io.virtio4j.ovs.SwitchException;
import io.virtio4j.ovs.config.ConfigException;
import io.virtio4j.ovs.config.LogSettings;
import io.virtio4j.ovs.config.SwitchConfig;
import io.virtio4j.ovs.config.SwitchConfigReader;
import io.virtio4j.ovs.gateway.GatewayException;
import io.virtio4j.ovs.gateway.GatewayNamespace;
import io.virtio4j.ovs.gateway.GatewayPort;
import io.virtio4j.ovs.metrics.CountersFile;
import io.virtio4j.ovs.metrics.CountersFileException;
import io.virtio4j.ovs.metrics.CountersFilePrinter;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.openflow.OpenFlowAgent;
import io.virtio4j.ovs.port.VhostUserPort;

import io.virtio4j.ovs.VirtualSwitch;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./virtio4j switch --config FILE}: reads the config, checks every resource it names
 * ({@link SwitchPreflight}: no live process on its sockets, directories, CPUs) before creating
 * anything, then brings up, in this order, the
 * control socket (which also proves no other switch uses it), the counters file, the gateway
 * namespace (ipforward only), and the data path; {@link #close()} takes them down in reverse.
 */
public final class SwitchDaemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchDaemon.class);
    /** Exit status: stopped cleanly. */
    public static final int EXIT_OK = 0;
    /** Exit status: the switch failed to start or to stop cleanly. */
    public static final int EXIT_FAILED = 1;
    /** Exit status: a wrong command line. */
    public static final int EXIT_USAGE = 2;
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    /** Ports that {@code ctl add-port} may add beyond the configured ones before the counters file is full. */
    static final int PORTS_ADDED_AT_RUN_TIME = 64;

    private final ControlServer control;
    private final CountersFile counters;
    private final Deque<AutoCloseable> stopOrder;
    /** Applies config changes to the running switch; null when it cannot (a config built in code). */
    private final LiveConfig live;

    private SwitchDaemon(ControlServer control, CountersFile counters, Deque<AutoCloseable> stopOrder, LiveConfig live) {
        this.control = control;
        this.counters = counters;
        this.stopOrder = stopOrder;
        this.live = live;
    }

    /**
     * Room in the counters file: per port (gateway NICs are ports too), per PMD thread, plus drop
     * reasons, plus room for ports added while the switch runs, plus each vhost-user port's rings.
     */
    static int countersCapacity(SwitchSpec spec) {
        // A vhost-user port's rings count in the file too: a few counters per ring on top of its 64.
        int rings = spec.ports().stream().filter(p -> p.type() == PortType.VHOST_USER_SERVER || p.type() == PortType.VHOST_USER_CLIENT)
                .mapToInt(VhostUserPort::counters).sum();
        return 256 + 64 * (spec.ports().size() + spec.subnets().size() + PORTS_ADDED_AT_RUN_TIME) + 32 * spec.pmdThreads() + rings;
    }

    /** The gateway namespace of the switch that owns {@code config}'s control socket: one per socket path. */
    static String gatewayNamespaceName(SwitchConfig config) {
        return "v4j-gw-" + Integer.toHexString(config.controlSocket().toAbsolutePath().toString().hashCode());
    }

    /** {@link #start(SwitchConfig, SwitchStarter, LogControl)} without a log provider to control. */
    public static SwitchDaemon start(SwitchConfig config, SwitchStarter starter) throws Exception {
        return start(config, starter, LogControl.NONE);
    }

    /**
     * Brings the switch up, its log levels and log file first ({@code logs}: the daemon's SLF4J
     * provider, which {@code ctl log-level} changes at run time); on any failure, whatever was
     * started is stopped again and the failure rethrown.
     */
    public static SwitchDaemon start(SwitchConfig config, SwitchStarter starter, LogControl logs) throws Exception {
        return start(null, config, starter, logs);
    }

    /**
     * As above for the config read from {@code file}: {@code ctl reload}, SIGHUP and the
     * {@code ctl add-port}-style commands change the running switch to what the file says, and
     * the {@code ctl} changes are saved in it ({@code LiveConfig}). Without a file they refuse.
     */
    public static SwitchDaemon start(Path file, SwitchConfig config, SwitchStarter starter, LogControl logs) throws Exception {
        logs.configure(config.logging());
        if (!logs.available() && !config.logging().equals(LogSettings.DEFAULTS)) {
            LOG.warn("config: log-level and log-file are not applied: this JVM has no log provider the switch can set"
                    + " (the launcher ./virtio4j brings Logback)");
        }
        config.notes().forEach(note -> LOG.info("config: {}", note));
        SwitchPreflight.check(config);
        SwitchMetrics.checkFree(config);
        Deque<AutoCloseable> stopOrder = new ArrayDeque<>();
        try {
            CommandRegistry commands = new CommandRegistry();
            // Bound first (the socket proves no other switch runs on it), answering only once every
            // command is registered, at the end: a ctl waiting meanwhile gets its answer, not "unknown".
            ControlServer control = ControlServer.bind(config.controlSocket(), commands, ControlLimits.DEFAULT);
            stopOrder.push(control);
            commands.register("control", () -> control.stats().table());
            commands.registerWithArguments("log-level", arguments -> LogLevelCommand.run(logs, arguments));
            // The config last applied (a reload or ctl change replaces it): with l3 = none or
            // ipforward these tables come from it; ovs-only replaces them with the pipeline's.
            AtomicReference<LiveConfig> liveConfig = new AtomicReference<>();
            SwitchSpecTables.register(commands, () -> {
                LiveConfig l = liveConfig.get();
                return l == null ? config.spec() : l.running().spec();
            });

            CountersFile counters = CountersFile.create(config.countersFile(), countersCapacity(config.spec()));
            stopOrder.push(counters);
            commands.register("counters", () -> CountersFilePrinter.table(counters.manager()));
            PortRates rates = PortRates.start(counters.manager());
            stopOrder.push(rates);
            commands.register("port-stats", rates::table);
            if (config.metrics() != null) {
                stopOrder.push(SwitchMetrics.start(config, counters.manager()));
            }

            List<GatewayPort> gatewayPorts = List.of();
            if (config.spec().l3() == L3Mode.IPFORWARD) {
                String name = gatewayNamespaceName(config);
                // We hold the control socket, so no live switch owns this namespace: a leftover is stale.
                GatewayNamespace.deleteStale(name);
                GatewayNamespace gateway = GatewayNamespace.create(name, config.spec().subnets());
                stopOrder.push(gateway);
                gateway.install(config.spec().routes(), config.spec().neighbours());
                gatewayPorts = gateway.ports();
            }
            AutoCloseable dataPath = starter.start(new SwitchResources(config, counters.manager(), commands, gatewayPorts));
            stopOrder.push(Objects.requireNonNull(dataPath, "the switch starter returned nothing to stop it with"));
            LiveConfig live = file != null && dataPath instanceof VirtualSwitch sw
                    ? new LiveConfig(file, config, sw, gatewayPorts, logs) : null;
            liveConfig.set(live);
            OpenFlowAgent openflow = dataPath instanceof VirtualSwitch sw ? openflowAgent(config, sw) : null;
            if (openflow != null) {
                stopOrder.push(openflow);
            }
            commands.register("openflow", () -> OpenFlowCommand.table(config.openflow(), openflow));
            ReconfigCommands.register(commands, live);
            control.serve();
            LOG.info("switch up: {} configured ports, l3 {}, control {}, counters {}", config.spec().ports().size(),
                    config.spec().l3().configName(), config.controlSocket(), config.countersFile());
            return new SwitchDaemon(control, counters, stopOrder, live);
        } catch (Exception e) {
            stopAll(stopOrder, e);
            throw e;
        }
    }

    /**
     * The datapath id OpenFlow announces: stable for a switch across restarts (it follows from the
     * control socket's path, which names one switch on a host), 48 bits as OVS's MAC-derived ids.
     */
    /**
     * The OpenFlow agent the config asks for: its listener ({@code openflow}), its controllers
     * ({@code controller}, kept connected with back-off) and {@code fail-mode}; null when neither
     * a listener nor a controller is configured.
     */
    private static OpenFlowAgent openflowAgent(SwitchConfig config, VirtualSwitch sw) throws java.io.IOException {
        if (config.openflow() == null && config.controllers().isEmpty()) {
            return null;
        }
        OpenFlowAgent agent = config.openflow() != null
                ? OpenFlowAgent.listen(config.openflow().address(), config.openflow().port(), sw, datapathId(config))
                : OpenFlowAgent.withoutListener(sw, datapathId(config));
        agent.failSecure(config.failSecure());
        for (var c : config.controllers()) {
            agent.connect(new java.net.InetSocketAddress(c.address(), c.port()));
        }
        return agent;
    }

    static long datapathId(SwitchConfig config) {
        long h = 1125899906842597L;
        for (char c : config.controlSocket().toAbsolutePath().toString().toCharArray()) {
            h = 31 * h + c;
        }
        return h & 0xffff_ffff_ffffL;
    }

    /**
     * SIGHUP: re-reads the config file and applies it, on a thread of its own (the signal thread
     * must stay free for SIGTERM); the outcome is logged.
     */
    void reloadInBackground() {
        if (live == null) {
            LOG.warn("SIGHUP: this switch was not started from a config file; nothing to reload");
            return;
        }
        Thread.ofPlatform().name("virtio4j-reload").daemon().start(live::reloadOnSignal);
    }

    /** The control socket's server. */
    public ControlServer control() {
        return control;
    }

    /** The counters file the switch writes. */
    public CountersFile counters() {
        return counters;
    }

    /** Stops the data path, the gateway namespace, the counters file and the control socket, in that order. */
    @Override
    public void close() {
        ControlException failure = new ControlException("stopping the switch was not clean");
        stopAll(stopOrder, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    private static void stopAll(Deque<AutoCloseable> stopOrder, Exception failure) {
        while (!stopOrder.isEmpty()) {
            try {
                stopOrder.pop().close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * {@code ./virtio4j switch --config FILE}: runs the switch until SIGINT or SIGTERM, then exits
     * with its status; SIGHUP, SIGUSR1 and SIGUSR2 are logged and do not stop it ({@link DaemonSignals}).
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** The subcommand without a log provider to control: runs until SIGTERM or SIGINT (Ctrl-C); returns the exit status. */
    public static int run(String[] args) {
        return run(args, LogControl.NONE);
    }

    /**
     * The launcher's subcommand: runs until SIGTERM or SIGINT (Ctrl-C), with {@code logs} applying
     * the config's log levels and {@code ctl log-level}; returns the exit status.
     */
    public static int run(String[] args, LogControl logs) {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<SwitchDaemon> running = new AtomicReference<>();
        // Before anything starts: a SIGHUP during start-up must not kill a half-built switch either.
        DaemonSignals.install(stop, () -> {
            SwitchDaemon daemon = running.get();
            if (daemon == null) {
                LOG.warn("SIGHUP: the switch is not up yet; nothing to reload");
            } else {
                daemon.reloadInBackground();
            }
        });
        return run(args, System.err, SwitchDataPath::start, stop, logs, running::set);
    }

    static int run(String[] args, PrintStream err, SwitchStarter starter, CountDownLatch stop) {
        return run(args, err, starter, stop, LogControl.NONE);
    }

    /**
     * Runs the daemon until {@code stop} opens (on SIGTERM or SIGINT, or when the JVM shuts down otherwise).
     * Exit status: 0 stopped cleanly, 1 failed to start, 2 bad command line or config.
     */
    static int run(String[] args, PrintStream err, SwitchStarter starter, CountDownLatch stop, LogControl logs) {
        return run(args, err, starter, stop, logs, daemon -> { });
    }

    /** As above; {@code started} is given the daemon once it is up (the SIGHUP handler reloads through it). */
    static int run(String[] args, PrintStream err, SwitchStarter starter, CountDownLatch stop, LogControl logs,
                   Consumer<SwitchDaemon> started) {
        SwitchConfig config;
        Path file;
        try {
            file = SwitchDaemonOptions.parse(args).config();
            config = SwitchConfigReader.read(file);
        } catch (ControlException | ConfigException e) {
            err.println("virtio4j switch: " + e.getMessage());
            return EXIT_USAGE;
        }
        SwitchDaemon daemon;
        try {
            daemon = start(file, config, starter, logs);
        } catch (ConfigException | ControlException | CountersFileException | GatewayException | SwitchException e) {
            err.println("virtio4j switch: " + e.getMessage());
            return EXIT_FAILED;
        } catch (Exception e) {
            err.println("virtio4j switch: the switch failed to start: " + e);
            LOG.error("the switch failed to start", e);
            return EXIT_FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // The JVM exits once its hooks return: the hook waits until the daemon has removed its files and namespace.
        Thread hook = Thread.ofPlatform().name("virtio4j-shutdown").unstarted(() -> {
            stop.countDown();
            try {
                stopped.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        started.accept(daemon);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                daemon.close();
            } catch (RuntimeException e) {
                err.println("virtio4j switch: stopping was not clean: " + e.getSuppressed()[0]);
            }
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is what woke us: the JVM is already exiting.
            }
        }
        return EXIT_OK;
    }
}
