package io.virtio4j.vhostuser;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where a role's next connection comes from, whichever end of the protocol this process plays:
 * accepted on a listener (server mode), or connected to a listening peer, retried at a fixed
 * interval until it listens (client mode). One thread calls {@link #next}; {@link #close} from any
 * thread unblocks it.
 */
abstract class Connector implements AutoCloseable {
    /**
     * The next connected socket; blocks until there is one.
     *
     * @return null once closed
     * @throws VhostUserException if the listener failed (server mode)
     */
    abstract UnixSocket next() throws InterruptedException;

    /** Waits {@link #retryInterval()} unless closed meanwhile: a pause after a connection that failed at once. */
    abstract void pause() throws InterruptedException;

    /** Stops: a blocked {@link #next} returns null or throws. Idempotent. */
    @Override
    public abstract void close();

    /** Server mode: accepts on {@code listener}, which this connector owns and closes. */
    static Connector accepting(UnixListener listener, Duration pause) {
        return new Accepting(listener, pause.toNanos());
    }

    /** Client mode: connects to {@code path}, retrying every {@code retry} while nobody listens. */
    static Connector connecting(Path path, Duration retry) {
        if (retry.isNegative() || retry.isZero()) {
            throw new IllegalArgumentException("retry interval must be positive: " + retry);
        }
        return new Connecting(path, retry.toNanos());
    }

    /** The sleep of both modes, ended early by close. */
    private final Object sleeper = new Object();
    private volatile boolean closing;

    final boolean closing() {
        return closing;
    }

    final void sleep(long nanos) throws InterruptedException {
        synchronized (sleeper) {
            // wait(0, 0) would wait forever: no interval means no pause.
            if (!closing && nanos > 0) {
                sleeper.wait(nanos / 1_000_000, (int) (nanos % 1_000_000));
            }
        }
    }

    final void markClosing() {
        synchronized (sleeper) {
            closing = true;
            sleeper.notifyAll();
        }
    }

    private static final class Accepting extends Connector {
        private final UnixListener listener;
        private final long pauseNanos;

        Accepting(UnixListener listener, long pauseNanos) {
            this.listener = listener;
            this.pauseNanos = pauseNanos;
        }

        @Override
        UnixSocket next() {
            return closing() ? null : listener.accept();
        }

        @Override
        void pause() throws InterruptedException {
            sleep(pauseNanos);
        }

        @Override
        public void close() {
            markClosing();
            listener.close();
        }
    }

    private static final class Connecting extends Connector {
        private final Path path;
        private final long retryNanos;

        Connecting(Path path, long retryNanos) {
            this.path = path;
            this.retryNanos = retryNanos;
        }

        @Override
        UnixSocket next() throws InterruptedException {
            while (!closing()) {
                try {
                    return UnixSocket.connect(path);
                } catch (VhostUserException e) {
                    sleep(retryNanos);
                }
            }
            return null;
        }

        @Override
        void pause() throws InterruptedException {
            sleep(retryNanos);
        }

        @Override
        public void close() {
            markClosing();
        }
    }
}
