package io.virtio4j.ovs.openflow;

import java.util.List;

/**
 * What the OpenFlow agent reads from the switch it serves. Called on connection threads, at any
 * time: every call returns a snapshot.
 */
interface OfSwitchView {
    /** The datapath id FEATURES_REPLY announces. */
    long datapathId();

    /** The ports, in OpenFlow numbering. */
    List<OfPortView> ports();

    /** The OpenFlow tables, table 0 first ({@code ControllerFlows.TABLES} of them). */
    List<OfTableView> tables();

    /** The MTU of port {@code number} (the largest IP packet it sends), or -1 when there is no such port. */
    int mtu(long number);

    /**
     * Queues {@code frame} at port {@code number} (an existing port): {@code InjectionRing.TRANSMIT}
     * to send it out of the port as it is, {@code RECEIVE} to switch it as received there. False when
     * it was not queued (the port's ring is full or the port is gone). Never blocks.
     */
    boolean inject(long number, int kind, byte[] frame);

    /**
     * Hands every frame the data path queued for the controllers to {@code out} as a PACKET_IN
     * (one thread: the agent's dispatcher); returns how many.
     */
    int drainPacketIns(java.util.function.Consumer<java.nio.ByteBuffer> out);

    /**
     * Sleeps (the dispatcher) until the data path queues a frame for the controllers, at most
     * {@code timeoutNanos}; returns at once if one is queued.
     */
    void awaitPacketIns(long timeoutNanos);

    /** Frames for the controllers the data path dropped because its queue was full. */
    long packetInDropped();

    /** The flows installed through OpenFlow (one store per switch, shared by its connections). */
    OfFlowTable flows();
}
