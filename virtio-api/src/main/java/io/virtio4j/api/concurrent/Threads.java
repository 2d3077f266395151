package io.virtio4j.api.concurrent;

/** Helpers for the threads backends start and stop. */
public final class Threads {
    private Threads() {
    }

    /**
     * Waits until {@code thread} has ended, even if the caller is interrupted meanwhile (a stop or
     * close must not return while the thread may still touch guest memory or fds it is about to
     * release), then restores the caller's interrupt status. Safe to call for several threads in a
     * row: each call starts from a cleared status.
     */
    public static void joinUninterruptibly(Thread thread) {
        boolean interrupted = Thread.interrupted();
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
