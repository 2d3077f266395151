package io.virtio4j.ovs.datapath;

/**
 * A PMD thread's figures at one moment.
 *
 * @param busyNanos time in poll rounds that found work
 * @param idleNanos time in poll rounds that found none, and asleep
 */
public record PmdSnapshot(int pmd, long busyNanos, long idleNanos, long frames, long polls, long sleeps) {
    /** Busy nanoseconds per frame handled (cycles per frame = this times the clock rate), or 0. */
    public double busyNanosPerFrame() {
        return frames == 0 ? 0 : (double) busyNanos / frames;
    }
}
