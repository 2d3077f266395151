package io.virtio4j.ovs.control;

import io.virtio4j.ovs.config.ConfigException;
import io.virtio4j.ovs.config.ConfigLines;
import io.virtio4j.ovs.config.SwitchConfig;
import io.virtio4j.ovs.model.L3Mode;
import io.virtio4j.ovs.model.SubnetSpec;
import io.virtio4j.ovs.model.SwitchSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a new config changes beyond the ports, and whether the running switch can take it: the
 * {@code [switch]} keys fixed at start (routing mode, PMD threads and CPUs, FDB size, memory limit,
 * control socket, counters file) and, with {@code l3 = ipforward}, the subnets, routes and
 * neighbours of the gateway namespace need a restart; the others apply live.
 */
final class ConfigDiff {
    /** How to apply a change the running switch cannot take. */
    static final String RESTART = "restart the switch to apply it (systemctl restart virtio4j-switch), or put the old"
            + " value back; nothing was changed";

    private ConfigDiff() {
    }

    /** Fails at the line of the first change that needs a restart. */
    static void checkLive(SwitchConfig running, SwitchConfig next) {
        SwitchSpec a = running.spec();
        SwitchSpec b = next.spec();
        Map<String, Function<SwitchConfig, Object>> fixed = new java.util.LinkedHashMap<>();
        fixed.put("l3", c -> c.spec().l3().configName());
        fixed.put("pmd-threads", c -> c.spec().pmdThreads());
        fixed.put("pmd-cpus", SwitchConfig::pmdCpus);
        fixed.put("fdb-max", c -> c.spec().fdb().maxEntries());
        fixed.put("fdb-ageing", c -> c.spec().fdb().ageing());
        fixed.put("max-guest-memory", c -> c.spec().maxGuestMemory());
        fixed.put("control", SwitchConfig::controlSocket);
        fixed.put("counters", SwitchConfig::countersFile);
        // The OpenFlow agent's controllers and fail-mode are set when the daemon starts it.
        fixed.put("controller", SwitchConfig::controllers);
        fixed.put("fail-mode", c -> c.failSecure() ? "secure" : "standalone");
        for (Map.Entry<String, Function<SwitchConfig, Object>> key : fixed.entrySet()) {
            Object before = key.getValue().apply(running);
            Object after = key.getValue().apply(next);
            if (!Objects.equals(before, after)) {
                throw next.lines().error(ConfigLines.key("switch", "", key.getKey()), key.getKey() + " changed from "
                        + before + " to " + after + ", which the running switch cannot change; " + RESTART);
            }
        }
        if (b.l3() == L3Mode.IPFORWARD && (!a.subnets().equals(b.subnets()) || !a.routes().equals(b.routes())
                || !a.neighbours().equals(b.neighbours()))) {
            throw new ConfigException(next.lines().file(), next.lines().line("[switch]"), "the subnets, routes or"
                    + " neighbours changed; with l3 = ipforward they live in the gateway namespace, built at start: " + RESTART);
        }
    }

    /** One line per subnet added, removed or changed, and for the static routes and neighbours if they changed. */
    static List<String> l3Changes(SwitchSpec a, SwitchSpec b) {
        List<String> out = new ArrayList<>();
        Map<String, SubnetSpec> before = a.subnets().stream().collect(Collectors.toMap(SubnetSpec::name, s -> s));
        Map<String, SubnetSpec> after = b.subnets().stream().collect(Collectors.toMap(SubnetSpec::name, s -> s));
        for (SubnetSpec s : b.subnets()) {
            SubnetSpec old = before.get(s.name());
            if (old == null) {
                out.add("subnet " + s.name() + ": added (" + s.prefix() + " on VLAN " + s.vlan() + ")");
            } else if (!old.equals(s)) {
                out.add("subnet " + s.name() + ": changed (" + old.prefix() + " VLAN " + old.vlan() + " -> " + s.prefix()
                        + " VLAN " + s.vlan() + ")");
            }
        }
        for (SubnetSpec s : a.subnets()) {
            if (!after.containsKey(s.name())) {
                out.add("subnet " + s.name() + ": removed");
            }
        }
        if (!a.routes().equals(b.routes())) {
            out.add("routes: " + a.routes().size() + " static route(s) -> " + b.routes().size());
        }
        if (!a.neighbours().equals(b.neighbours())) {
            out.add("neighbours: " + a.neighbours().size() + " static neighbour(s) -> " + b.neighbours().size());
        }
        return out;
    }
}
