package io.virtio4j.ovs.datapath;

import java.util.List;

import io.virtio4j.ovs.model.PortSpec;

/**
 * Which PMD polls which port: a port's configured PMD if it has one, else round robin over the
 * PMDs, starting with the least loaded by configured ports.
 */
public final class PmdAssignment {
    private PmdAssignment() {
    }

    /** For each PMD, the indices of the ports it polls. */
    public static int[][] assign(List<PortSpec> ports, int pmds) {
        int[] none = new int[ports.size()];
        java.util.Arrays.fill(none, -1);
        return assign(ports, pmds, none);
    }

    /**
     * As {@link #assign(List, int)}, but a port not pinned whose {@code previous} entry is a PMD
     * stays on it: after a live reconfiguration only the new ports are spread, so running ports do
     * not move between PMD threads because another port came or went.
     *
     * @param previous per port, the PMD that polled it before, or -1 (a new port)
     */
    public static int[][] assign(List<PortSpec> ports, int pmds, int[] previous) {
        if (previous.length != ports.size()) {
            throw new IllegalArgumentException(ports.size() + " ports but " + previous.length + " previous PMDs");
        }
        int[] pmdOf = new int[ports.size()];
        int[] load = new int[pmds];
        for (int i = 0; i < ports.size(); i++) {
            int pinned = ports.get(i).pmd();
            if (pinned >= pmds) {
                throw new IllegalArgumentException("port " + ports.get(i).name() + " is pinned to PMD " + pinned
                        + " but there are " + pmds);
            }
            if (pinned < 0 && previous[i] >= 0 && previous[i] < pmds) {
                pinned = previous[i];
            }
            pmdOf[i] = pinned;
            if (pinned >= 0) {
                load[pinned]++;
            }
        }
        for (int i = 0; i < ports.size(); i++) {
            if (pmdOf[i] < 0) {
                int least = 0;
                for (int p = 1; p < pmds; p++) {
                    if (load[p] < load[least]) {
                        least = p;
                    }
                }
                pmdOf[i] = least;
                load[least]++;
            }
        }
        int[][] result = new int[pmds][];
        for (int p = 0; p < pmds; p++) {
            result[p] = new int[load[p]];
        }
        int[] filled = new int[pmds];
        for (int i = 0; i < pmdOf.length; i++) {
            result[pmdOf[i]][filled[pmdOf[i]]++] = i;
        }
        return result;
    }
}
