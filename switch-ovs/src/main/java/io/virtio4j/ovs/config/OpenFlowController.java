package io.virtio4j.ovs.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A controller the OpenFlow agent connects to ({@code controller = tcp:IP:PORT} in
 * {@code [switch]}; several separated by commas), as OVS writes an active OpenFlow target
 * ({@code [IPv6]} in brackets). The agent keeps the connection, retrying with back-off.
 */
public record OpenFlowController(String address, int port) {
    private static final Pattern SPEC = Pattern.compile("tcp:(\\[[0-9A-Fa-f:.]+]|[0-9.]+):(\\d{1,5})");
    private static final String EXAMPLE = "controller = tcp:192.0.2.1:6653 or tcp:[2001:db8::1]:6653";
    /** At most this many controllers (each holds a connection and a thread). */
    public static final int MAX = 8;

    /** Checks the port range and that the address is an IP literal. */
    public OpenFlowController {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; use 1 to 65535, for example " + EXAMPLE);
        }
        // The same rules as the listener's address (an IP literal, no DNS query).
        new OpenFlowListen(port, address);
    }

    /**
     * Reads a comma-separated list of {@code tcp:IP:PORT}.
     *
     * @throws IllegalArgumentException saying what is wrong and what to write instead
     */
    public static List<OpenFlowController> parseList(String value) {
        List<OpenFlowController> out = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            Matcher m = SPEC.matcher(part.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + part.strip() + "' is not tcp:IP:PORT; write for example " + EXAMPLE);
            }
            OpenFlowController c = new OpenFlowController(m.group(1).replace("[", "").replace("]", ""),
                    Integer.parseInt(m.group(2)));
            if (out.contains(c)) {
                throw new IllegalArgumentException(c + " is named twice");
            }
            out.add(c);
        }
        if (out.size() > MAX) {
            throw new IllegalArgumentException(out.size() + " controllers; at most " + MAX);
        }
        return out;
    }

    /** As the config writes it. */
    @Override
    public String toString() {
        return "tcp:" + (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }
}
