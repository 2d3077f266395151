package io.virtio4j.ovs.openflow;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The controller roles of one switch's connections (OpenFlow 1.3, section 6.3.5): each connection
 * is EQUAL until it asks otherwise; at most one is MASTER, so a new master makes the old one a
 * SLAVE; MASTER and SLAVE requests carry a generation id, and one older than the newest seen
 * (compared as serial numbers, so the id may wrap) is refused as STALE. Shared by every
 * connection of the agent, listener's and controllers' alike.
 */
final class OfRoles {
    /** One connection's role; read by its session on every message, changed here. */
    static final class Member {
        private volatile int role = OfProtocol.CR_ROLE_EQUAL;

        int role() {
            return role;
        }

        boolean slave() {
            return role == OfProtocol.CR_ROLE_SLAVE;
        }
    }

    private final Set<Member> members = ConcurrentHashMap.newKeySet();
    /** Guarded by this: the newest generation id of a MASTER or SLAVE request, once there was one. */
    private boolean haveGeneration;
    private long generation;

    /** A connection that agreed on a version takes part until {@link #leave}. */
    void join(Member m) {
        members.add(m);
    }

    void leave(Member m) {
        members.remove(m);
    }

    /**
     * Serves one ROLE_REQUEST of {@code m}: {@code role} one of {@code ofp_controller_role}. Returns
     * the role {@code m} has afterwards (NOCHANGE asks for it).
     *
     * @throws OfDecodeException ROLE_REQUEST_FAILED/BAD_ROLE or STALE; then nothing changed
     */
    synchronized int request(Member m, int role, long generationId) {
        switch (role) {
            case OfProtocol.CR_ROLE_NOCHANGE -> {
                return m.role;
            }
            case OfProtocol.CR_ROLE_EQUAL -> {
                // The generation id is only for MASTER and SLAVE requests (6.3.5): not read here.
                m.role = role;
                return role;
            }
            case OfProtocol.CR_ROLE_MASTER, OfProtocol.CR_ROLE_SLAVE -> {
                if (haveGeneration && generationId - generation < 0) {
                    throw new OfDecodeException(OfProtocol.ET_ROLE_REQUEST_FAILED, OfProtocol.RRFC_STALE,
                            "generation id " + Long.toUnsignedString(generationId) + " is older than "
                                    + Long.toUnsignedString(generation));
                }
                haveGeneration = true;
                generation = generationId;
                if (role == OfProtocol.CR_ROLE_MASTER) {
                    for (Member other : members) {
                        if (other != m && other.role == OfProtocol.CR_ROLE_MASTER) {
                            other.role = OfProtocol.CR_ROLE_SLAVE;
                        }
                    }
                }
                m.role = role;
                return role;
            }
            default -> throw new OfDecodeException(OfProtocol.ET_ROLE_REQUEST_FAILED, OfProtocol.RRFC_BAD_ROLE,
                    "role " + Integer.toUnsignedString(role) + " is not NOCHANGE, EQUAL, MASTER or SLAVE");
        }
    }

    /** The generation id ROLE_REPLY carries: the newest seen, or all ones while there was none. */
    synchronized long generation() {
        return haveGeneration ? generation : -1L;
    }
}
