package io.virtio4j.vhostuser.memory;

import io.virtio4j.vhostuser.protocol.BackendSession;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds which vhost-user sessions a fault in guest memory came from. A front-end can shrink the
 * file under its guest memory or dirty log (ftruncate) while the data path uses it; the next touch
 * of a page past the new end faults and the JVM raises an {@link InternalError} ("a fault occurred
 * in an unsafe memory access operation"), asynchronously, at the thread's next safepoint poll: so
 * where it surfaces says little about whose memory it was (a frame copy reads one guest's memory
 * and writes another's). A data-path thread that catches one calls {@link #sweep}: every live
 * session whose mapped files shrank is dropped (counted, logged, its rings stopped by its own
 * thread), the others are untouched.
 */
public final class GuestMemoryFaults {
    private static final Set<BackendSession> LIVE = ConcurrentHashMap.newKeySet();

    private GuestMemoryFaults() {
    }

    public static void watch(BackendSession session) {
        LIVE.add(session);
    }

    public static void unwatch(BackendSession session) {
        LIVE.remove(session);
    }

    /**
     * Drops every session whose guest memory or dirty log lost mapped bytes; returns how many. A few
     * fstat calls per live session: for the fault path only, never per frame. Never blocks on a
     * session (each is woken to tear itself down), so a data-path thread may call it between bursts.
     * The calling thread gives up any ring of a dropped session it still holds (the fault may have
     * cut its burst short anywhere), so those sessions' threads can stop their rings.
     */
    public static int sweep() {
        int dropped = 0;
        for (BackendSession s : LIVE) {
            if (!s.mappingsIntact()) {
                s.abandonBursts();
                s.memoryFault("a fault in the data path");
                dropped++;
            }
        }
        return dropped;
    }
}
