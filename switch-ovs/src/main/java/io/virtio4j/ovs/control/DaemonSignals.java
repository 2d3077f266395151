package io.virtio4j.ovs.control;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each signal does to the daemon, instead of the JVM's defaults (SIGHUP ran the shutdown
 * hooks and exited 129, so {@code systemctl reload} took the data plane down; SIGUSR1 killed the
 * process without any clean-up):
 * <ul>
 * <li>SIGTERM, SIGINT: stop cleanly (the daemon's stop latch opens; it takes everything down in
 *     reverse and exits 0).</li>
 * <li>SIGHUP: reload: the config file is read again and the difference applied to the running
 *     switch, as {@code ctl reload} does (on a thread of its own; the outcome is logged). A file
 *     that does not read changes nothing.</li>
 * <li>SIGUSR1, SIGUSR2: logged and ignored. (HotSpot on Linux may keep SIGUSR2 for itself; then its
 *     own handler, which ignores a stray one, stays in place.)</li>
 * </ul>
 * The handlers run on the JVM's signal dispatcher thread and only log or open a latch. They are
 * installed through {@code sun.misc.Signal} (module jdk.unsupported), reached reflectively: a
 * direct reference draws javac's and javadoc's "internal proprietary API" warning, which cannot be
 * suppressed and would fail the warning-free Javadoc build.
 */
final class DaemonSignals {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonSignals.class);

    private DaemonSignals() {
    }

    /** Installs the handlers; {@code stop} opens on SIGTERM or SIGINT, {@code reload} runs on SIGHUP. */
    static void install(CountDownLatch stop, Runnable reload) {
        for (String name : new String[] {"TERM", "INT"}) {
            handle(name, () -> {
                LOG.info("SIG{}: stopping the switch", name);
                stop.countDown();
            });
        }
        handle("HUP", () -> {
            LOG.info("SIGHUP: reloading the config file");
            reload.run();
        });
        for (String name : new String[] {"USR1", "USR2"}) {
            handle(name, () -> LOG.info("SIG{}: ignored (the switch keeps running)", name));
        }
    }

    private static void handle(String name, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            action.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "DaemonSignals handler for SIG" + name;
                    });
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
        } catch (InvocationTargetException e) {
            // IllegalArgumentException: the JVM uses this signal itself (SIGUSR2 on some builds) or
            // was started with -Xrs; its own handling stays, and the shutdown hook still stops cleanly.
            LOG.debug("SIG{} is not ours to handle: {}", name, e.getCause().toString());
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("cannot handle SIG{} (sun.misc.Signal unavailable: {}); the JVM's default applies", name, e.toString());
        }
    }
}
