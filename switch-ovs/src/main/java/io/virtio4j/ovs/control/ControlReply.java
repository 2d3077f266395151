package io.virtio4j.ovs.control;

import java.util.List;

/**
 * What the switch answered.
 *
 * @param ok    true for OK, false for ERROR
 * @param error the ERROR line's message (empty when ok)
 * @param lines the table's lines (empty on error)
 */
public record ControlReply(boolean ok, String error, List<String> lines) {

    /** Copies the lines. */
    public ControlReply {
        lines = List.copyOf(lines);
    }

    /** The table text as the switch rendered it, one newline per line. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        lines.forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    /** Parses a whole reply; fails if it is not one (cut short, a wrong count, no END). */
    static ControlReply parse(String reply, String socket) {
        List<String> lines = reply.lines().toList();
        if (lines.isEmpty()) {
            throw new ControlException("the switch on " + socket + " closed the connection without answering");
        }
        String status = lines.get(0);
        boolean complete = lines.get(lines.size() - 1).equals(ControlProtocol.END) && reply.endsWith("\n");
        if (status.startsWith(ControlProtocol.ERROR + " ") && complete && lines.size() == 2) {
            return new ControlReply(false, status.substring(ControlProtocol.ERROR.length() + 1), List.of());
        }
        if (status.startsWith(ControlProtocol.OK + " ")) {
            int count;
            try {
                count = Integer.parseInt(status.substring(ControlProtocol.OK.length() + 1));
            } catch (NumberFormatException e) {
                count = -1;
            }
            if (complete && count == lines.size() - 2) {
                return new ControlReply(true, "", lines.subList(1, lines.size() - 1));
            }
        }
        throw new ControlException("the switch on " + socket + " sent an incomplete or garbled reply (" + lines.size()
                + " lines, starting '" + (status.length() > 60 ? status.substring(0, 60) : status) + "')");
    }
}
