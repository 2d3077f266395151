package io.virtio4j.testing.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One guest of {@code scripts/qemu-guest.sh}: its NIC's socket and role, its address, and the
 * shell command lines it runs once eth0 is up.
 *
 * @param name        names its console and output files
 * @param socket      the vhost-user socket
 * @param qemuListens QEMU is the vhost-user server ({@code --server}); otherwise it connects to the switch
 * @param mac         eth0's MAC
 * @param ipPrefix    eth0's address with prefix length, e.g. {@code 10.0.1.10/24}
 * @param gateway     the default route's next hop
 * @param queuePairs  the NIC's queue pairs (more than one: multiqueue, and as many vCPUs)
 * @param packed      the NIC offers packed virtqueues ({@code packed=on}, issue 14)
 * @param commands    one shell command line each, run in order
 * @param nicOptions  more properties of the NIC ({@code virtio-net-pci}), comma-separated, e.g.
 *                    {@code csum=off,guest_csum=off} to keep offloads out of the negotiation; empty for none
 */
public record GuestSpec(String name, Path socket, boolean qemuListens, String mac, String ipPrefix, String gateway,
                        int queuePairs, boolean packed, List<String> commands, String nicOptions) {

    public GuestSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(nicOptions, "nicOptions");
        commands = List.copyOf(commands);
    }

    /** A guest whose NIC has QEMU's default properties (and so offers every offload QEMU knows). */
    public GuestSpec(String name, Path socket, boolean qemuListens, String mac, String ipPrefix, String gateway,
                     int queuePairs, boolean packed, List<String> commands) {
        this(name, socket, qemuListens, mac, ipPrefix, gateway, queuePairs, packed, commands, "");
    }

    /** This guest running {@code list} instead. */
    public GuestSpec withCommands(List<String> list) {
        return new GuestSpec(name, socket, qemuListens, mac, ipPrefix, gateway, queuePairs, packed, list, nicOptions);
    }

    /** This guest with {@code pairs} queue pairs (and so many vCPUs). */
    public GuestSpec withQueuePairs(int pairs) {
        return new GuestSpec(name, socket, qemuListens, mac, ipPrefix, gateway, pairs, packed, commands, nicOptions);
    }

    /** This guest with a NIC offering packed virtqueues. */
    public GuestSpec withPackedRings() {
        return new GuestSpec(name, socket, qemuListens, mac, ipPrefix, gateway, queuePairs, true, commands, nicOptions);
    }

    /** This guest with {@code options} added to its NIC's properties (see {@code nicOptions}). */
    public GuestSpec withNicOptions(String options) {
        return new GuestSpec(name, socket, qemuListens, mac, ipPrefix, gateway, queuePairs, packed, commands, options);
    }

    /** eth0's address without the prefix length. */
    public String ip() {
        return ipPrefix.substring(0, ipPrefix.indexOf('/'));
    }

    /** The script's arguments for this guest (everything after the script's path). */
    List<String> scriptArguments(Path console, int timeoutSeconds) {
        List<String> args = new ArrayList<>(List.of("--socket", socket.toString(), "--ip", ipPrefix, "--gateway", gateway,
                "--mac", mac, "--queues", Integer.toString(queuePairs), "--console", console.toString(), "--timeout", Integer.toString(timeoutSeconds)));
        if (qemuListens) {
            args.add("--server");
        }
        if (packed) {
            args.add("--packed");
        }
        if (!nicOptions.isEmpty()) {
            args.add("--nic-options");
            args.add(nicOptions);
        }
        args.add("--");
        args.addAll(commands);
        return args;
    }
}
