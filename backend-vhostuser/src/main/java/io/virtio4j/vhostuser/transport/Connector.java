package io.virtio4j.vhostuser.transport;

import io.virtio4j.vhostuser.VhostUserException;

import java.nio.file.Path;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtio4j.api.log.RateLimitedLog;

/**
 * Where a role's next connection comes from, whichever end of the protocol this process plays:
 * accepted on a listener (server mode), or connected to a listening peer, retried at a fixed
 * interval until it listens (client mode). One thread calls {@link #await}; {@link #close} from any
 * thread unblocks it.
 */
public abstract class Connector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);
    private static final RateLimitedLog WARN = new RateLimitedLog(LOG, 1_000_000_000L);

    /** The sleep of both modes, ended early by close. */
    private final Object sleeper = new Object();
    private final long pauseNanos;
    private volatile boolean closing;

    private Connector(long pauseNanos) {
        this.pauseNanos = pauseNanos;
    }

    /** Server mode: accepts on {@code listener} (owned: closed on close), pausing {@code pause} after a failed accept. */
    public static Connector accepting(UnixListener listener, Duration pause) {
        return new Accepting(listener, positive(pause).toNanos());
    }

    /** Client mode: connects to {@code path}, retrying every {@code retry} while nobody listens. */
    public static Connector connecting(Path path, Duration retry) {
        return new Connecting(path, positive(retry).toNanos());
    }

    private static Duration positive(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("retry interval must be positive: " + d);
        }
        return d;
    }

    /**
     * One attempt at the next connection; blocks until there is one.
     *
     * @return null once closed
     * @throws VhostUserException if the attempt failed (a failed accept, or a connect that nobody took)
     */
    abstract UnixSocket next();

    /**
     * The next connection, attempts repeated at the interval until one succeeds (failures logged,
     * rate-limited).
     *
     * @return null once closed or interrupted
     */
    public final UnixSocket await() {
        while (!closing) {
            try {
                return next();
            } catch (VhostUserException e) {
                if (!closing && !isRetryable(e)) {
                    WARN.warn("vhost-user: no connection: {}", e.getMessage());
                } else if (!closing) {
                    retrying(e);
                }
            }
            if (!pause()) {
                return null;
            }
        }
        return null;
    }

    /** A retryable attempt failed (nobody listens yet): the client mode says so now and then. */
    void retrying(VhostUserException e) {
        // Server mode has no retryable failures.
    }

    /** Whether a failed attempt is the normal wait for a peer (nobody listens yet), not worth a warning. */
    boolean isRetryable(VhostUserException e) {
        return false;
    }

    /**
     * Waits the interval unless closed meanwhile: between attempts, and after a connection that
     * failed at once (a refused handshake), so a failing peer is not hammered.
     *
     * @return false if interrupted (the interrupt status is kept)
     */
    public final boolean pause() {
        synchronized (sleeper) {
            if (closing) {
                return true;
            }
            try {
                sleeper.wait(pauseNanos / 1_000_000, (int) (pauseNanos % 1_000_000));
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    final boolean closing() {
        return closing;
    }

    /** Stops: a blocked {@link #await} returns null. Idempotent. */
    @Override
    public void close() {
        synchronized (sleeper) {
            closing = true;
            sleeper.notifyAll();
        }
    }

    private static final class Accepting extends Connector {
        private final UnixListener listener;

        Accepting(UnixListener listener, long pauseNanos) {
            super(pauseNanos);
            this.listener = listener;
        }

        @Override
        UnixSocket next() {
            return closing() ? null : listener.accept();
        }

        @Override
        public void close() {
            super.close();
            listener.close(); // wakes a blocked accept
        }
    }

    private static final class Connecting extends Connector {
        private final Path path;

        /** Reconnect attempts get a line every 30 s per port, however short the retry interval. */
        private final RateLimitedLog retryLog = new RateLimitedLog(LOG, 30_000_000_000L);
        /** A front-end that listens, takes the connection and goes again, in a loop: 10 lines, then one every 10 s. */
        private final RateLimitedLog connectedLog = new RateLimitedLog(LOG, 100_000_000_000L, 10);
        private final long retryMillis;
        private long failedAttempts;

        Connecting(Path path, long retryNanos) {
            super(retryNanos);
            this.path = path;
            this.retryMillis = retryNanos / 1_000_000;
        }

        @Override
        UnixSocket next() {
            UnixSocket socket = UnixSocket.connect(path);
            if (failedAttempts > 0) {
                if (connectedLog.allow()) {
                    LOG.info("vhost-user {}: connected after {} failed attempts ({} lines like this suppressed)", path,
                            failedAttempts, connectedLog.takeSuppressed());
                }
                failedAttempts = 0;
            }
            return socket;
        }

        @Override
        void retrying(VhostUserException e) {
            failedAttempts++;
            if (retryLog.allow()) {
                LOG.info("vhost-user {}: no front-end listening ({}); attempt {}, retrying every {} ms ({} lines like this"
                        + " suppressed)", path, e.getMessage(), failedAttempts, retryMillis, retryLog.takeSuppressed());
            }
        }

        /** ENOENT/ECONNREFUSED: the peer is not listening (yet, or again). */
        @Override
        boolean isRetryable(VhostUserException e) {
            return true;
        }
    }
}
