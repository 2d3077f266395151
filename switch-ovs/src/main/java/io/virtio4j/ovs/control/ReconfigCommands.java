package io.virtio4j.ovs.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code ctl} commands that change the running switch, like {@code ovs-vsctl}: {@code reload},
 * and {@code add-KIND}, {@code del-KIND}, {@code set-KIND} for ports, subnets, routes and
 * neighbours (the keys of the config file's {@code [KIND NAME]} sections). Each answers one row
 * per change made ({@link LiveConfig}).
 */
final class ReconfigCommands {
    /** The sections the add/del/set commands edit. */
    static final List<String> KINDS = List.of("port", "subnet", "route", "neighbour");
    private static final List<List<String>> FIELDS = List.of(List.of("change"));

    /** Their entries in the offline catalog ({@link CtlCommands#ALL}). */
    static final List<CtlCommands.Entry> CATALOG = catalog();

    private ReconfigCommands() {
    }

    private static List<CtlCommands.Entry> catalog() {
        List<CtlCommands.Entry> out = new ArrayList<>();
        out.add(new CtlCommands.Entry("reload", "re-read the config file and apply the difference (ports added, removed,"
                + " changed; subnets, routes, neighbours; log levels); a file that does not read changes nothing", FIELDS,
                Map.of()));
        for (String kind : KINDS) {
            String keys = kind.equals("port") ? "the keys of a [port NAME] section (type, path, vlan or trunk, queues, pmd,"
                    + " ...)" : "the keys of a [" + kind + " NAME] section";
            out.add(new CtlCommands.Entry("add-" + kind, "add " + kind + " NAME with " + keys + "; saved in the config"
                    + " file", FIELDS, Map.of(), "NAME key=value..."));
            out.add(new CtlCommands.Entry("del-" + kind, "remove " + kind + " NAME" + (kind.equals("port")
                    ? " (its session closed, its FDB entries flushed)" : "") + "; saved in the config file", FIELDS,
                    Map.of(), "NAME"));
            out.add(new CtlCommands.Entry("set-" + kind, "set keys of " + kind + " NAME" + (kind.equals("port")
                    ? " (vlan, trunk, pmd: the guest stays attached)" : "") + "; saved in the config file", FIELDS,
                    Map.of(), "NAME key=value..."));
        }
        return List.copyOf(out);
    }

    /**
     * Registers the commands; without {@code live} (a switch started from a config built in code,
     * or a data path that cannot change) they answer why they cannot work.
     */
    static void register(CommandRegistry registry, LiveConfig live) {
        registry.register("reload", () -> live(live, "reload").reload("ctl reload"));
        for (String kind : KINDS) {
            registry.registerWithArguments("add-" + kind, arguments -> live(live, "add-" + kind).add(kind, arguments));
            registry.registerWithArguments("del-" + kind, arguments -> live(live, "del-" + kind).delete(kind, arguments));
            registry.registerWithArguments("set-" + kind, arguments -> live(live, "set-" + kind).set(kind, arguments));
        }
        VtepCommands.registerChanges(registry, live);
    }

    private static LiveConfig live(LiveConfig live, String command) {
        if (live == null) {
            throw new ControlException(command + ": this switch cannot change while it runs (it was not started from a"
                    + " config file by ./virtio4j switch --config FILE)");
        }
        return live;
    }
}
