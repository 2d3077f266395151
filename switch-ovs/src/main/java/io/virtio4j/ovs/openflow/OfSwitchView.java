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

    /** The flows installed through OpenFlow (one store per switch, shared by its connections). */
    OfFlowTable flows();
}
