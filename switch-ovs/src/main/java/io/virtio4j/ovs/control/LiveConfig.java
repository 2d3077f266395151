package io.virtio4j.ovs.control;

import io.virtio4j.ovs.SwitchException;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.config.ConfigEdit;
import io.virtio4j.ovs.config.ConfigException;
import io.virtio4j.ovs.config.ConfigFileUpdate;
import io.virtio4j.ovs.config.SwitchConfig;
import io.virtio4j.ovs.config.SwitchConfigReader;
import io.virtio4j.ovs.gateway.GatewayPort;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.pipeline.OvsPipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes the running switch to what its config file says: {@code ctl reload} and SIGHUP re-read
 * the file; {@code ctl add-port}, {@code del-port}, {@code set-port} (and the subnet, route and
 * neighbour forms) edit the file's text ({@link ConfigEdit}) and then do the same. Either way the
 * whole new config is read and checked as at start (same reader, same errors) and what the
 * running switch cannot take is refused ({@link ConfigDiff}) before anything changes; then the
 * difference is applied ({@link VirtualSwitch#reconfigure}) and logged, one INFO line per change.
 *
 * <p>Persistence: the file is the switch's only state. A {@code ctl} change is written beside the
 * file before it is applied and put in the file's place (one rename) once it is: after a restart
 * the switch has it; if the file cannot be written, the change is refused. Comments and layout
 * of the rest of the file stay as written. One change at a time (this object's lock); the control
 * socket serves one request at a time anyway, a SIGHUP waits its turn.
 */
final class LiveConfig {
    private static final Logger LOG = LoggerFactory.getLogger(LiveConfig.class);
    /** With {@code set-KIND}: setting a key removes these (a port is access or trunk, not both). */
    private static final Map<String, Set<String>> EXCLUSIVE = Map.of("vlan", Set.of("trunk"), "trunk", Set.of("vlan"));
    /** Port keys that name the device: a running port keeps its guest only if none changes. */
    static final List<String> DEVICE_KEYS = List.of("type", "path", "ifname", "queues", "reconnect", "max-guest-memory",
            "offloads", "mtu", "local", "udp-port", "vni", "underlay-mtu");

    private final Path file;
    private final VirtualSwitch sw;
    private final List<GatewayPort> gatewayPorts;
    private final LogControl logs;
    /** Written under this object's lock; read without it by the control tables (a reload may take seconds). */
    private volatile SwitchConfig running;

    LiveConfig(Path file, SwitchConfig running, VirtualSwitch sw, List<GatewayPort> gatewayPorts, LogControl logs) {
        this.file = file;
        this.running = running;
        this.sw = sw;
        this.gatewayPorts = List.copyOf(gatewayPorts);
        this.logs = logs;
    }

    /** {@code ctl reload}: re-reads the file and applies the difference. */
    synchronized Table reload(String source) {
        SwitchConfig next;
        try {
            next = SwitchConfigReader.read(file);
        } catch (ConfigException e) {
            throw refused(source, e.getMessage());
        }
        return apply(source, next, null);
    }

    /** SIGHUP: {@link #reload}, its outcome logged (nobody waits for a reply). */
    void reloadOnSignal() {
        try {
            Table changes = reload("SIGHUP reload");
            LOG.info("SIGHUP reload: done, {} change(s)", changes.rowCount());
        } catch (ControlException e) {
            // Already logged by refused().
        } catch (RuntimeException e) {
            LOG.error("SIGHUP reload failed: {}", e.toString(), e);
        }
    }

    /** {@code ctl add-KIND NAME key=value...}. */
    synchronized Table add(String kind, List<String> arguments) {
        String command = "add-" + kind;
        String name = name(command, arguments, true);
        return edit(command + " " + name, edit -> edit.addSection(kind, name, arguments.subList(1, arguments.size())));
    }

    /** {@code ctl del-KIND NAME}. */
    synchronized Table delete(String kind, List<String> arguments) {
        String command = "del-" + kind;
        String name = name(command, arguments, false);
        if (arguments.size() > 1) {
            throw new ControlException(command + " takes only the name (" + command + " " + name + ")");
        }
        return edit(command + " " + name, edit -> edit.removeSection(kind, name));
    }

    /** {@code ctl set-KIND NAME key=value...}. */
    synchronized Table set(String kind, List<String> arguments) {
        String command = "set-" + kind;
        String name = name(command, arguments, true);
        List<String> words = arguments.subList(1, arguments.size());
        if (kind.equals("port")) {
            refuseDeviceKeys(command, name, words);
        }
        return edit(command + " " + name, edit -> edit.setKeys(kind, name, words, EXCLUSIVE));
    }

    /** The running config (as last applied). */
    SwitchConfig running() {
        return running;
    }

    private static String name(String command, List<String> arguments, boolean needsKeys) {
        String usage = command + " NAME" + (needsKeys ? " key=value..." : "");
        if (arguments.isEmpty() || arguments.get(0).contains("=")) {
            throw new ControlException(command + " needs a name: " + usage);
        }
        if (needsKeys && arguments.size() < 2) {
            throw new ControlException(command + " needs key=value words after the name: " + usage);
        }
        return arguments.get(0);
    }

    /** set-port of a key that names the device: the port would have to close; say how instead. */
    private void refuseDeviceKeys(String command, String name, List<String> words) {
        for (String word : words) {
            String key = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
            if (DEVICE_KEYS.contains(key)) {
                throw new ControlException(command + " " + name + ": " + key + " cannot change while the port runs (only"
                        + " vlan, trunk and pmd can: the guest stays attached); to change " + key + ", del-port " + name
                        + " and add-port it again with all its keys (its guest reconnects), or edit the file and reload");
            }
        }
    }

    private interface Edit {
        ConfigEdit apply(ConfigEdit edit);
    }

    private Table edit(String command, Edit change) {
        ConfigEdit edited;
        SwitchConfig next;
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            edited = change.apply(ConfigEdit.of(file.toString(), text, command));
            next = edited.read(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw refused(command, "cannot read " + file + " (" + e.getMessage() + ")");
        } catch (ConfigException e) {
            throw refused(command, e.getMessage() + " (fix the file, then try again)");
        } catch (IllegalArgumentException e) {
            throw refused(command, e.getMessage());
        }
        return apply(command, next, edited.text());
    }

    /**
     * Checks {@code next} against the running switch, applies it, and (with {@code text}) saves
     * the file: prepared before, committed after the change, so a file that cannot be written
     * refuses the change and a change that fails is not saved.
     */
    private Table apply(String source, SwitchConfig next, String text) {
        SwitchSpec dataSpec;
        try {
            ConfigDiff.checkLive(running, next);
            dataSpec = SwitchDataPath.withGatewayPorts(next.spec(), gatewayPorts);
            SwitchPreflight.checkPorts(next.lines(), newDevices(next.spec()));
            // Checked here with the flows installed now; built again under the switch's lock with the
            // flows installed then (a FLOW_MOD may land meanwhile), so a reload keeps them.
            new OvsPipeline(dataSpec, System.nanoTime(), installedFlows());
        } catch (ConfigException | ControlException e) {
            throw refused(source, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw refused(source, "the flow program cannot be built: " + e.getMessage());
        }
        ConfigFileUpdate update = null;
        try {
            if (text != null) {
                update = ConfigFileUpdate.prepare(file, text);
            }
            List<String> changes = new ArrayList<>();
            boolean dataPathChanged = !dataSpec.equals(sw.spec());
            if (dataPathChanged) {
                // First: the one step that can fail after the checks (a port that does not open, a
                // PMD that does not stop for the hand-off); it changes nothing when it does.
                changes.addAll(sw.reconfigure(dataSpec, s -> new OvsPipeline(s, System.nanoTime(), installedFlows())));
            }
            changes.addAll(ConfigDiff.l3Changes(running.spec(), next.spec()));
            if (!next.logging().equals(running.logging())) {
                logs.configure(next.logging());
                changes.add("log levels: " + next.logging().level() + " " + next.logging().loggers()
                        + (next.logging().file() == null ? "" : " file " + next.logging().file()));
            }
            running = next;
            if (update != null) {
                update.commit();
            }
            Table table = Table.of("change").freeTextLast();
            for (String c : changes) {
                LOG.info("{}: {}", source, c);
                table.row(c);
            }
            if (changes.isEmpty()) {
                LOG.info("{}: no change (the running switch already matches {})", source, file);
            }
            return table;
        } catch (IOException e) {
            throw refused(source, "cannot write " + file + " (" + e.getMessage() + "): a change that would not survive a"
                    + " restart is not made; make the file and its directory writable by the switch");
        } catch (SwitchException | IllegalArgumentException | IllegalStateException e) {
            // A new port that does not open changes nothing; a reopened one says itself what it left.
            LOG.warn("{}: not applied: {}", source, e.getMessage());
            throw new ControlException(source + ": not applied: " + e.getMessage(), e);
        } finally {
            if (update != null) {
                try {
                    update.close();
                } catch (IOException e) {
                    LOG.warn("{}: could not remove the temp file beside {}: {}", source, file, e.toString());
                }
            }
        }
    }

    /** The ports of {@code next} whose socket or interface no running port holds: the ones the preflight checks must clear. */
    /** The OpenFlow flows the running pipeline was built with (ControllerFlows.DEFAULT until a FLOW_MOD changed them). */
    private ControllerFlows installedFlows() {
        return sw.pipeline() instanceof OvsPipeline p ? p.controllerFlows() : ControllerFlows.DEFAULT;
    }

    private List<PortSpec> newDevices(SwitchSpec next) {
        List<PortSpec> out = new ArrayList<>();
        for (PortSpec p : next.ports()) {
            if (sw.spec().ports().stream().noneMatch(r -> r.type() == p.type() && r.target().equals(p.target()))) {
                out.add(p);
            }
        }
        return out;
    }

    private static ControlException refused(String source, String why) {
        LOG.warn("{}: refused, nothing changed: {}", source, why);
        return new ControlException(source + ": refused, nothing changed: " + why);
    }
}
