package io.virtio4j.ovs.control;

import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import sun.misc.Signal;

/**
 * What each signal does to the daemon, instead of the JVM's defaults (SIGHUP ran the shutdown
 * hooks and exited 129, so {@code systemctl reload} took the data plane down; SIGUSR1 killed the
 * process without any clean-up):
 * <ul>
 * <li>SIGTERM, SIGINT: stop cleanly (the daemon's stop latch opens; it takes everything down in
 *     reverse and exits 0).</li>
 * <li>SIGHUP: logged and otherwise ignored: the switch keeps running with the config it has.
 *     Re-reading the config (reload) is not implemented yet; when it is, this is where it starts.</li>
 * <li>SIGUSR1, SIGUSR2: logged and ignored. (HotSpot on Linux may keep SIGUSR2 for itself; then its
 *     own handler, which ignores a stray one, stays in place.)</li>
 * </ul>
 * The handlers run on the JVM's signal dispatcher thread and only log or open a latch.
 */
final class DaemonSignals {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonSignals.class);

    private DaemonSignals() {
    }

    /** Installs the handlers; {@code stop} opens on SIGTERM or SIGINT. */
    static void install(CountDownLatch stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            handle(name, () -> {
                LOG.info("SIG{}: stopping the switch", name);
                stop.countDown();
            });
        }
        handle("HUP", () -> LOG.warn("SIGHUP: reloading the config is not implemented yet; the switch keeps running with"
                + " the config it started with (restart it to apply changes)"));
        for (String name : new String[] {"USR1", "USR2"}) {
            handle(name, () -> LOG.info("SIG{}: ignored (the switch keeps running)", name));
        }
    }

    private static void handle(String name, Runnable action) {
        try {
            Signal.handle(new Signal(name), signal -> action.run());
        } catch (IllegalArgumentException reservedByTheVm) {
            // The JVM uses this signal itself (SIGUSR2 on some builds) or was started with -Xrs for
            // SIGINT/SIGTERM/SIGHUP; its own handling stays, and the shutdown hook still stops cleanly.
            LOG.debug("SIG{} is not ours to handle: {}", name, reservedByTheVm.getMessage());
        }
    }
}
