package io.virtio4j.ovs.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenFlow agent's passive listener ({@code openflow = ptcp:PORT[:IP]} in {@code [switch]}),
 * where {@code ovs-ofctl} and controllers that dial in connect. Without an IP it listens on
 * loopback only: OpenFlow has no authentication of its own (TLS is not offered), and whoever
 * reaches the port can read and, later, program the switch.
 *
 * @param port    the TCP port, 1 to 65535
 * @param address an IP literal (never a name: a name resolving differently later must not move the listener)
 */
public record OpenFlowListen(int port, String address) {
    private static final Pattern SPEC = Pattern.compile("ptcp:(\\d{1,5})(?::(\\[[0-9A-Fa-f:.]+]|[0-9A-Fa-f:.]+))?");
    private static final String EXAMPLE = "openflow = ptcp:6653 (loopback) or ptcp:6653:192.0.2.1";
    /** The address when none is given. */
    public static final String LOOPBACK = "127.0.0.1";

    /** Checks the port range and that the address is an IP literal. */
    public OpenFlowListen {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; use 1 to 65535, for example " + EXAMPLE);
        }
        if (!address.matches("[0-9.]+|[0-9A-Fa-f:.]+") || !literal(address)) {
            throw new IllegalArgumentException("'" + address + "' is not an IP address; write for example " + EXAMPLE);
        }
    }

    /**
     * Reads {@code ptcp:PORT[:IP]} as OVS writes a passive OpenFlow target ({@code [IPv6]} in brackets).
     *
     * @throws IllegalArgumentException saying what is wrong and what to write instead
     */
    public static OpenFlowListen parse(String value) {
        Matcher m = SPEC.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not ptcp:PORT[:IP]; write for example " + EXAMPLE);
        }
        String ip = m.group(2) == null ? LOOPBACK : m.group(2).replace("[", "").replace("]", "");
        return new OpenFlowListen(Integer.parseInt(m.group(1)), ip);
    }

    private static boolean literal(String address) {
        try {
            // Digits, dots and colons only (checked above): getByName parses it without a DNS query.
            InetAddress.getByName(address);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** As the config writes it. */
    @Override
    public String toString() {
        if (address.equals(LOOPBACK)) {
            return "ptcp:" + port;
        }
        return "ptcp:" + port + ":" + (address.contains(":") ? "[" + address + "]" : address);
    }
}
