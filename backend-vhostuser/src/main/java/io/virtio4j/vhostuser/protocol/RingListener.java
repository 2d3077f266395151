package io.virtio4j.vhostuser.protocol;

import io.virtio4j.api.memory.GuestMemory;

/**
 * The data path's view of a session: told when a ring may run and when it must stop. Called on the
 * session thread.
 */
public interface RingListener {
    /**
     * Ring {@code ring} may now be processed over {@code memory}, starting at {@code ring.base()},
     * with the negotiated virtio {@code features}.
     */
    void ringStarted(VringState ring, GuestMemory memory, long features);

    /**
     * Ring {@code ring} must stop now; returns the next avail index to process (what GET_VRING_BASE
     * reports), normally where the data path stopped.
     */
    int ringStopped(VringState ring);

    /**
     * The front-end asks the device to announce {@code mac} (SEND_RARP, after a live migration) so
     * switches relearn where the guest now is. Called on the session thread.
     */
    default void announce(byte[] mac) {
    }

    /**
     * The calling thread's burst on these rings was cut short by a fault in this session's guest
     * memory (the session is being dropped): give up whatever rings the caller holds, unpublished,
     * so the session thread can stop them. Called on the data-path thread that caught the fault.
     */
    default void abandonBursts() {
    }

    /** A listener that processes nothing: a stopped ring resumes where the front-end put it. */
    RingListener NONE = new RingListener() {
        @Override
        public void ringStarted(VringState ring, GuestMemory memory, long features) {
        }

        @Override
        public int ringStopped(VringState ring) {
            return ring.base();
        }
    };
}
