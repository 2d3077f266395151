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
        int[] pmdOf = new int[ports.size()];
        int[] load = new int[pmds];
        for (int i = 0; i < ports.size(); i++) {
            int pinned = ports.get(i).pmd();
            if (pinned >= pmds) {
                throw new IllegalArgumentException("port " + ports.get(i).name() + " is pinned to PMD " + pinned
                        + " but there are " + pmds);
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
