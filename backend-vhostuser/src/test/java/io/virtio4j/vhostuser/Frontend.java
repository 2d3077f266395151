package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.BackendSession;
import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.transport.ReceivedFds;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.virtio4j.api.platform.Platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scripted (and, when asked, hostile) vhost-user front-end on one end of a socket pair, with a
 * {@link BackendSession} running on the other end in a thread.
 */
final class Frontend implements AutoCloseable {
    final UnixSocket socket;
    final BackendSession session;
    final VhostUserCounters counters;
    final Thread thread;
    final RecordingListener listener = new RecordingListener();
    private final Arena arena = Arena.ofConfined();
    final Message msg = new Message(arena);
    private final ReceivedFds replyFds = new ReceivedFds();
    final AtomicReference<Throwable> crash = new AtomicReference<>();

    Frontend(BackendConfig config, VhostUserCounters counters) {
        this(config, counters, (RingListener) null);
    }

    /** With {@code ringListener} (null: record events in {@link #listener}). */
    Frontend(BackendConfig config, VhostUserCounters counters, RingListener ringListener) {
        this(config, counters, ringListener, Platform.linux());
    }

    /** With the session's socket (and so everything the session closes or maps) on {@code platform}. */
    Frontend(BackendConfig config, VhostUserCounters counters, RingListener ringListener, Platform platform) {
        this(config, counters, ringListener, platform, GuestMemoryBudget.unlimited());
    }

    /** With the session's guest memory also counted against {@code budget}. */
    Frontend(BackendConfig config, VhostUserCounters counters, GuestMemoryBudget budget) {
        this(config, counters, null, Platform.linux(), budget);
    }

    private Frontend(BackendConfig config, VhostUserCounters counters, RingListener ringListener, Platform platform,
                     GuestMemoryBudget budget) {
        UnixSocket[] pair = UnixSocket.pair(platform);
        this.socket = pair[0];
        this.counters = counters;
        this.session = new BackendSession(pair[1], config, ringListener == null ? listener : ringListener, counters, budget);
        this.thread = Thread.ofPlatform().name("backend-under-test").start(() -> {
            try {
                session.run();
            } catch (Throwable t) {
                crash.set(t);
            }
        });
    }

    Frontend() {
        this(BackendConfig.net(1), new VhostUserCounters());
    }

    /** Sends a message whose payload is {@code words} u64s (raw header values, so it can lie). */
    void send(int request, int flags, long size, long[] words, int... fds) {
        msg.buffer().fill((byte) 0);
        msg.header(request, flags, 0);
        for (int i = 0; i < words.length; i++) {
            msg.buffer().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, Message.HEADER_SIZE + 8L * i, words[i]);
        }
        msg.buffer().set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, Message.SIZE_OFFSET, (int) size);
        socket.sendUnchecked(msg.buffer(), Message.HEADER_SIZE + Math.min(size, Message.MAX_PAYLOAD), fds);
    }

    /** A well-formed request with need_reply set. */
    void request(Request r, long[] words, int... fds) {
        send(r.id(), Message.VERSION | Message.NEED_REPLY, 8L * words.length, words, fds);
    }

    /** Reads one reply and checks it answers {@code request}; returns its first u64 (or 0 if empty). */
    long reply(int request) {
        assertTrue(socket.receive(msg.buffer(), 0, Message.HEADER_SIZE, replyFds), "backend closed instead of replying");
        assertEquals(request, msg.request(), "reply to the wrong request");
        assertEquals(Message.VERSION | Message.REPLY, msg.flags());
        long size = msg.size();
        assertTrue(size <= Message.MAX_PAYLOAD);
        if (size > 0) {
            assertTrue(socket.receive(msg.buffer(), Message.HEADER_SIZE, size, replyFds));
        }
        assertEquals(0, replyFds.count(), "backend sent fds");
        return size >= 8 ? msg.u64(0) : 0;
    }

    /** The REPLY_ACK status of {@code r}: 0 accepted, non-zero rejected. */
    long ack(Request r) {
        return reply(r.id());
    }

    /** Sends a request with need_reply and returns its REPLY_ACK status. */
    long call(Request r, long[] words, int... fds) {
        request(r, words, fds);
        return ack(r);
    }

    /** Negotiates VERSION_1 + PROTOCOL_FEATURES and every offered protocol feature (REPLY_ACK included). */
    void negotiate() {
        negotiate(false);
    }

    /** The handshake acknowledging every offered feature, RING_PACKED only when {@code packed} (a split driver leaves it). */
    void negotiate(boolean packed) {
        send(Request.GET_FEATURES.id(), Message.VERSION, 0, new long[0]);
        long offered = reply(Request.GET_FEATURES.id());
        long acked = packed ? offered : offered & ~BackendConfig.VIRTIO_F_RING_PACKED;
        send(Request.SET_FEATURES.id(), Message.VERSION, 8, new long[] {acked});
        send(Request.GET_PROTOCOL_FEATURES.id(), Message.VERSION, 0, new long[0]);
        long protocol = reply(Request.GET_PROTOCOL_FEATURES.id());
        send(Request.SET_PROTOCOL_FEATURES.id(), Message.VERSION, 8, new long[] {protocol});
        assertEquals(0, call(Request.SET_OWNER, new long[0]));
    }

    /** The backend is still serving: a GET_FEATURES round trip works. */
    void assertAlive() {
        send(Request.GET_FEATURES.id(), Message.VERSION, 0, new long[0]);
        assertEquals(BackendConfig.net(1).offeredFeatures(), reply(Request.GET_FEATURES.id()));
    }

    /** The backend dropped the connection: EOF, and its thread ends without crashing. */
    void assertDisconnected() throws InterruptedException {
        try {
            assertFalse(socket.receive(msg.buffer(), 0, Message.HEADER_SIZE, replyFds), "expected EOF");
        } catch (VhostUserException e) {
            // The backend closed with our unread bytes in its buffer: the kernel reports ECONNRESET.
            assertEquals(104, e.errno(), e.getMessage());
        }
        thread.join(Duration.ofSeconds(5));
        assertFalse(thread.isAlive());
        assertEquals(null, crash.get());
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(Duration.ofSeconds(5));
        assertFalse(thread.isAlive(), "session thread did not end");
        replyFds.closeAll();
        arena.close();
        assertEquals(null, crash.get(), "session thread crashed");
    }
}
