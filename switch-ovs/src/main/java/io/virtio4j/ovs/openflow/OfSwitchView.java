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

    /** The flow program's tables, table 0 first. */
    List<OfTableView> tables();
}
