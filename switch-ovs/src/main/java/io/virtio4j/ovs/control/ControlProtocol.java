package io.virtio4j.ovs.control;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The line protocol of the control socket. One request per connection: the client sends one
 * line, the command name and its options separated by single spaces ({@code pmd-stats --clear},
 * {@code ports --json}), ending in '\n' (at most {@link #MAX_REQUEST_BYTES} bytes); the server
 * answers and closes:
 * <pre>
 * OK 3            (or: ERROR what went wrong)
 * port  VLAN ...  (the table, exactly as many lines as announced)
 * vm1     10 ...
 * vm2     20 ...
 * END
 * </pre>
 * The count lets a client tell a complete reply from one cut short, whatever the table holds.
 * With {@code --json} the table is one line of JSON ({@code OK 1}).
 */
public final class ControlProtocol {
    /** Longest request line, newline included: command names are short; anything longer is hostile or garbage. */
    public static final int MAX_REQUEST_BYTES = 256;
    /** First word of a successful reply, followed by the table's line count. */
    public static final String OK = "OK";
    /** First word of a failed reply, followed by the reason. */
    public static final String ERROR = "ERROR";
    /** The line that ends every reply. */
    public static final String END = "END";

    private ControlProtocol() {
    }

    /** The bytes of a successful reply carrying {@code table}. */
    public static byte[] ok(Table table) {
        List<String> lines = table.lines();
        StringBuilder sb = new StringBuilder(OK).append(' ').append(lines.size()).append('\n');
        for (String line : lines) {
            sb.append(line).append('\n');
        }
        return sb.append(END).append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes of a successful reply carrying {@code table} as one line of JSON ({@link Table#json()}). */
    public static byte[] okJson(Table table) {
        return (OK + " 1\n" + table.json() + "\n" + END + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes of an error reply; the message is flattened to one line. */
    public static byte[] error(String message) {
        String oneLine = message.replaceAll("\\p{Cntrl}", " ");
        return (ERROR + " " + oneLine + "\n" + END + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
