package io.virtio4j.ovs;

import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.RefusalCounters;
import io.virtio4j.ovs.port.SwitchPort;

/**
 * One configuration of the running switch, replaced whole at a live reconfiguration: the spec,
 * the flow program built for it, and per port (spec order) the open port, its counters, its
 * refusal counters (vhost-user only, else null) and the PMD that polls it. Never modified once
 * published; the arrays are not copied (nobody writes them).
 */
record SwitchLayout(SwitchSpec spec, FramePipeline pipeline, SwitchPort[] ports, PortCounters[] counters,
                    RefusalCounters[] refusals, int[] pmdOfPort) {
    SwitchLayout {
        int n = spec.ports().size();
        if (ports.length != n || counters.length != n || refusals.length != n || pmdOfPort.length != n) {
            throw new IllegalArgumentException("a layout needs one port, counter set, refusal slot and PMD per port");
        }
    }

    int size() {
        return ports.length;
    }

    /** The index of port {@code name}, or -1. */
    int indexOf(String name) {
        for (int i = 0; i < ports.length; i++) {
            if (spec.ports().get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
