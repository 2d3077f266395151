package io.virtio4j.ovs.openflow;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns successive snapshots of the switch's ports into PORT_STATUS messages (section 7.4.3): ADD
 * for a port number not seen before, DELETE for one gone (with the description it last had),
 * MODIFY for one whose name or state changed (a vhost-user front-end attached or left). Ports
 * come and go by reconfiguration ({@code ctl add-port}, {@code del-port}, {@code reload}) and
 * their link by the front-ends; a snapshot compared now and then sees both, without a hook in
 * every path that changes them. Counters are not compared: they change all the time and are not
 * a port's status. One thread (the agent's dispatcher) calls it.
 */
final class OfPortWatch {
    /** What PORT_STATUS is about: a port's number, name and whether frames can flow. */
    private record Status(long number, String name, boolean live) {
        static Status of(OfPortView p) {
            return new Status(p.number(), p.name(), p.live());
        }
    }

    private Map<Long, OfPortView> last;

    /**
     * The PORT_STATUS messages for what changed since the last call (none the first time: the
     * ports a peer finds at connection are PORT_DESC's to tell).
     */
    List<ByteBuffer> changes(List<OfPortView> ports) {
        Map<Long, OfPortView> now = new LinkedHashMap<>();
        for (OfPortView p : ports) {
            now.put(p.number(), p);
        }
        List<ByteBuffer> out = new ArrayList<>();
        if (last != null) {
            for (OfPortView p : now.values()) {
                OfPortView before = last.get(p.number());
                if (before == null) {
                    out.add(message(OfProtocol.PPR_ADD, p));
                } else if (!Status.of(before).equals(Status.of(p))) {
                    out.add(message(OfProtocol.PPR_MODIFY, p));
                }
            }
            for (OfPortView p : last.values()) {
                if (!now.containsKey(p.number())) {
                    out.add(message(OfProtocol.PPR_DELETE, p));
                }
            }
        }
        last = now;
        return out;
    }

    /** {@code ofp_port_status}: the header, the reason, 7 bytes of pad, the port as PORT_DESC shows it. */
    static ByteBuffer message(int reason, OfPortView port) {
        return OfWriter.start(OfProtocol.PORT_STATUS, 0).u8(reason).zeros(7).bytes(MultipartRequest.portDesc(port)).finish();
    }
}
