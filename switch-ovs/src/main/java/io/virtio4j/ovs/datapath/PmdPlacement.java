package io.virtio4j.ovs.datapath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.ovs.SwitchException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the PMD threads run, as OVS's {@code pmd-cpu-mask}: PMD {@code n} is pinned to CPU
 * {@code cpus[n]} (sched_setaffinity through the FFM platform, done by the PMD thread itself when
 * it starts), and every other thread of the process is moved off those CPUs when the switch starts
 * (threads created later inherit their creator's mask, so they stay off too). With no CPUs given
 * nothing is pinned or moved. Closing puts the other threads back on the CPUs they had.
 */
public final class PmdPlacement implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PmdPlacement.class);
    private static final Path TASKS = Path.of("/proc/self/task");

    private final Platform platform;
    private final int[] cpus;
    /** The starting thread's CPUs before the switch moved anything: what close restores. */
    private final BitSet original;
    private final boolean movedOthers;

    private PmdPlacement(Platform platform, int[] cpus, BitSet original, boolean movedOthers) {
        this.platform = platform;
        this.cpus = cpus;
        this.original = original;
        this.movedOthers = movedOthers;
    }

    /** No placement: PMDs run wherever the scheduler puts them. */
    public static PmdPlacement none() {
        return new PmdPlacement(null, new int[0], new BitSet(), false);
    }

    /**
     * Checks {@code cpus} (one per PMD, distinct, each allowed to this process) and moves every
     * thread of the process off them; the PMDs pin themselves with {@link #pinCurrentThread}.
     * If the PMDs would take every CPU the process has, the others are left where they are (with
     * a warning): a thread with no CPU cannot run.
     */
    public static PmdPlacement apply(List<Integer> cpus, int pmdThreads, Platform platform) {
        if (cpus.isEmpty()) {
            return none();
        }
        if (cpus.size() != pmdThreads) {
            throw new SwitchException("pmd-cpus names " + cpus.size() + " CPUs for " + pmdThreads + " PMD threads");
        }
        BitSet allowed = platform.affinity(0);
        BitSet pmd = new BitSet();
        int[] list = new int[cpus.size()];
        for (int i = 0; i < list.length; i++) {
            int cpu = cpus.get(i);
            if (cpu < 0 || !allowed.get(cpu)) {
                throw new SwitchException("pmd-cpus: CPU " + cpu + " is not available to this process (allowed: " + allowed + ")");
            }
            if (pmd.get(cpu)) {
                throw new SwitchException("pmd-cpus: CPU " + cpu + " is named twice; each PMD needs its own CPU");
            }
            pmd.set(cpu);
            list[i] = cpu;
        }
        BitSet others = (BitSet) allowed.clone();
        others.andNot(pmd);
        if (others.isEmpty()) {
            LOG.warn("pmd-cpus {} are every CPU this process may use: the PMDs are pinned, the other threads share them", pmd);
            return new PmdPlacement(platform, list, allowed, false);
        }
        forEachThread(tid -> platform.setAffinity(tid, others));
        LOG.info("PMD threads pinned to CPUs {}; the process's other threads moved to {}", pmd, others);
        return new PmdPlacement(platform, list, allowed, true);
    }

    /** Pins the calling thread, PMD {@code pmd}, to its CPU (a no-op without placement). */
    public void pinCurrentThread(int pmd) {
        if (cpus.length == 0) {
            return;
        }
        BitSet one = new BitSet();
        one.set(cpus[pmd]);
        platform.setAffinity(0, one);
    }

    /** The CPU of PMD {@code pmd}, or -1 without placement. */
    public int cpu(int pmd) {
        return cpus.length == 0 ? -1 : cpus[pmd];
    }

    /** Puts every thread of the process back on the CPUs the starting thread had before. */
    @Override
    public void close() {
        if (movedOthers) {
            forEachThread(tid -> platform.setAffinity(tid, original));
        }
    }

    private interface TidAction {
        void apply(int tid);
    }

    /** Runs {@code action} for every thread of the process; a thread that ended meanwhile is skipped. */
    private static void forEachThread(TidAction action) {
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    action.apply(Integer.parseInt(task.getFileName().toString()));
                } catch (NativeException e) {
                    // ESRCH: the thread ended between the listing and the call.
                    LOG.debug("thread {}: {}", task.getFileName(), e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new SwitchException("cannot list this process's threads in " + TASKS + ": " + e.getMessage(), e);
        }
    }
}
