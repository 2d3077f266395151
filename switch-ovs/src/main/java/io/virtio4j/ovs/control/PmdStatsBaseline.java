package io.virtio4j.ovs.control;

import io.virtio4j.ovs.datapath.PmdSnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code pmd-stats --clear} without touching a PMD thread: the control side remembers the figures
 * at the clear and shows every later snapshot minus them (as OVS's pmd-stats-clear does). The PMD
 * counters themselves keep running, so the counters file and other readers are unaffected.
 */
final class PmdStatsBaseline {
    private final AtomicReference<List<PmdSnapshot>> baseline = new AtomicReference<>(List.of());

    /** Remembers {@code now} as the new zero; returns how many PMDs were cleared. */
    int clear(List<PmdSnapshot> now) {
        baseline.set(List.copyOf(now));
        return now.size();
    }

    /** {@code now} minus the figures at the last clear (a PMD absent then counts from zero). */
    List<PmdSnapshot> since(List<PmdSnapshot> now) {
        List<PmdSnapshot> base = baseline.get();
        List<PmdSnapshot> out = new ArrayList<>(now.size());
        for (PmdSnapshot s : now) {
            PmdSnapshot b = base.stream().filter(x -> x.pmd() == s.pmd()).findFirst().orElse(null);
            out.add(b == null ? s : new PmdSnapshot(s.pmd(), s.busyNanos() - b.busyNanos(), s.idleNanos() - b.idleNanos(),
                    s.frames() - b.frames(), s.polls() - b.polls(), s.sleeps() - b.sleeps()));
        }
        return out;
    }
}
