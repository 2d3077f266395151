package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.BackendSession;
import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.transport.ReceivedFds;
import io.virtio4j.vhostuser.transport.UnixSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.testing.TestGroups;

import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing of the vhost-user message decoder and session state machine (Jazzer): a
 * sequence of messages, with real fds (memfds, eventfds, a pipe), written down a socket pair to a
 * {@link BackendSession} that serves them on the test's thread. Asserted: each message is served or
 * ends the connection with a {@link VhostUserException} (a {@link GuestMemoryException} from guest
 * memory the peer described badly is the other documented way out), nothing else escapes; every
 * answer is a well-formed reply without fds; the counters agree with what was sent; and once the
 * session is closed every fd the peer sent is closed, nothing it sent is mapped and the shared
 * guest-memory budget is whole again.
 *
 * <p>Input: records of {@code [request] [flags] [fds] [n] n payload bytes}. request below 0x80 picks
 * a row of {@link Request}, 0x80..0xFE is the raw id {@code b & 0x7F} (unknown ones included), 0xFF
 * takes the id from the next 4 bytes. flags is the header's flags as is (0x01 version 1, 0x08
 * NEED_REPLY). fds: bits 0-1 how many fds go with the message, bits 2-3, 4-5, 6-7 each one's kind
 * (0 a 2 MiB memfd, 1 an eventfd, 2 a pipe's read end, 3 a 4 KiB memfd). A record with n = 0xFF
 * lies about its size: the header says the next 4 bytes, the payload is the next 0..64 bytes.
 */
@Tag(TestGroups.FUZZ)
class VhostUserSessionFuzzTest {
    private static final int MAX_MESSAGES = 48;
    /** Keeps every message and its reply well inside the socket buffers, so one thread can play both ends. */
    private static final int MAX_STREAM_BYTES = 48 * 1024;
    private static final long MEMFD_SIZE = 2L << 20;
    private static final long BUDGET = 64L << 20;
    private static final Platform LINUX = Platform.linux();
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    static {
        // Lazily opened JDK and logging resources must not look like a leak in the first input's count.
        oneSession(new byte[] {1, 1, 0, 0});
    }

    @FuzzTest
    void anyMessagesAreServedOrEndTheConnectionAndLeaveNothingBehind(byte[] input) throws Exception {
        long fdsBefore = TestFiles.openFds();
        oneSession(input);
        TestFiles.waitFor(() -> TestFiles.openFds() == fdsBefore, "fds back to " + fdsBefore + " (now "
                + TestFiles.openFds() + ")");
        assertEquals(0, TestFiles.testMappings(), "a mapping of a memfd the peer sent survived the session");
    }

    private static void oneSession(byte[] input) {
        VhostUserCounters counters = new VhostUserCounters();
        GuestMemoryBudget budget = new GuestMemoryBudget(BUDGET);
        UnixSocket[] pair = UnixSocket.pair(LINUX);
        UnixSocket peer = pair[0];
        BackendSession session = new BackendSession(pair[1], BackendConfig.net(2), new RecordingListener(), counters, budget);
        int[] requests = new int[MAX_MESSAGES];
        // [0]: the first message whose declared size is not what was written (MAX_MESSAGES if none).
        int[] firstLie = {MAX_MESSAGES};
        int sent;
        try (Arena arena = Arena.ofConfined()) {
            sent = sendAll(peer, input, arena.allocate(Message.HEADER_SIZE + 0x1_0000, 8), requests, firstLie);
            // EOF after the last message: the session ends by itself once it has read everything.
            peer.shutdownWrite();
        }
        long served = 0;
        try {
            while (session.serveOne()) {
                served++;
            }
        } catch (VhostUserException | GuestMemoryException e) {
            // The documented ways a connection ends early: a framing error or a failed request the
            // front-end waits on. The session's run() counts it as a disconnect and closes.
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "an error that says nothing: " + e);
        } catch (RuntimeException | Error e) {
            throw new AssertionError("the session threw " + e + " (not a protocol error)", e);
        } finally {
            session.close();
        }
        int replies;
        try (Arena arena = Arena.ofConfined()) {
            replies = readReplies(peer, arena.allocate(Message.HEADER_SIZE + Message.MAX_PAYLOAD, 8), requests, sent,
                    firstLie[0]);
        } finally {
            peer.close();
        }
        assertTrue(replies <= counters.messages(), replies + " replies to " + counters.messages() + " messages");
        assertTrue(served <= sent, "served " + served + " of " + sent + " messages sent");
        assertTrue(counters.messages() <= sent, counters.messages() + " messages counted, " + sent + " sent");
        assertTrue(counters.messages() >= served, counters.messages() + " messages counted, " + served + " served");
        assertTrue(counters.rejected() <= counters.messages(), "more rejected than read");
        assertTrue(counters.unknownRequests() <= counters.rejected(), "unknown requests are rejected");
        assertEquals(1, counters.sessions(), "the session closed once");
        assertEquals(0, budget.reserved(), "guest memory still reserved after the session closed");
    }

    /**
     * Reads what the session answered until its end closed: each answer a well-formed reply (version
     * 1 with the reply flag, a payload it may carry, no fds) to a request sent, in the order they
     * were sent (an unknown request with NEED_REPLY is answered too: with an error); returns how many.
     * Once a message declared more bytes than it carried ({@code firstLie} below {@code sent}), the
     * session reads the next messages' bytes as its payload and parses headers we never framed: a
     * reply may then answer any request code, and only its form is checked.
     */
    private static int readReplies(UnixSocket peer, MemorySegment buffer, int[] requests, int sent, int firstLie) {
        ReceivedFds fds = new ReceivedFds();
        int replies = 0;
        int answered = 0;
        try {
            while (peer.receive(buffer, 0, Message.HEADER_SIZE, fds)) {
                int flags = buffer.get(U32, Message.FLAGS_OFFSET);
                long size = Integer.toUnsignedLong(buffer.get(U32, Message.SIZE_OFFSET));
                assertEquals(Message.VERSION | Message.REPLY, flags, "reply flags");
                assertTrue(size <= Message.MAX_PAYLOAD, "reply of " + size + " bytes");
                int request = buffer.get(U32, Message.REQUEST_OFFSET);
                int match = answered;
                while (match < sent && requests[match] != request) {
                    match++;
                }
                if (match < sent) {
                    answered = match + 1;
                } else {
                    assertTrue(firstLie < sent, "reply " + replies + " answers request " + request
                            + ", not sent after the last one answered");
                }
                if (size > 0) {
                    assertTrue(peer.receive(buffer, Message.HEADER_SIZE, size, fds), "a reply cut short");
                }
                assertEquals(0, fds.count(), "the back-end sent fds");
                replies++;
            }
        } catch (VhostUserException e) {
            // The session closed with bytes of ours unread (it stopped at a fatal message): the
            // kernel reports ECONNRESET and the replies still queued are gone.
            assertEquals(104, e.errno(), e.getMessage());
        } finally {
            fds.closeAll();
        }
        return replies;
    }

    /**
     * Writes the records as messages with their fds, their request ids into {@code requests}, and the
     * index of the first whose declared size is not its payload's into {@code firstLie[0]}; returns
     * how many were sent.
     */
    private static int sendAll(UnixSocket peer, byte[] input, MemorySegment buffer, int[] requests, int[] firstLie) {
        int at = 0;
        int messages = 0;
        long streamBytes = 0;
        while (at + 4 <= input.length && messages < MAX_MESSAGES) {
            int selector = input[at] & 0xff;
            int flags = input[at + 1] & 0xff;
            int fdSpec = input[at + 2] & 0xff;
            int n = input[at + 3] & 0xff;
            at += 4;
            int request;
            if (selector < 0x80) {
                request = Request.values()[selector % Request.values().length].id();
            } else if (selector < 0xff) {
                request = selector & 0x7f;
            } else {
                if (at + 4 > input.length) {
                    break;
                }
                request = MemorySegment.ofArray(input).get(U32, at);
                at += 4;
            }
            long declared;
            int payload;
            if (n == 0xff) {
                if (at + 5 > input.length) {
                    break;
                }
                declared = Integer.toUnsignedLong(MemorySegment.ofArray(input).get(U32, at));
                payload = Math.min(input[at + 4] & 0x3f, input.length - at - 5);
                at += 5;
            } else {
                payload = Math.min(n, input.length - at);
                declared = payload;
            }
            if (streamBytes + Message.HEADER_SIZE + payload > MAX_STREAM_BYTES) {
                break;
            }
            buffer.fill((byte) 0);
            buffer.set(U32, Message.REQUEST_OFFSET, request);
            buffer.set(U32, Message.FLAGS_OFFSET, flags);
            buffer.set(U32, Message.SIZE_OFFSET, (int) declared);
            MemorySegment.copy(MemorySegment.ofArray(input), at, buffer, Message.HEADER_SIZE, payload);
            at += payload;
            int[] fds = openFds(fdSpec);
            try {
                peer.sendUnchecked(buffer, Message.HEADER_SIZE + payload, fds);
            } catch (VhostUserException e) {
                // The session never reads before everything is sent; a full socket is the harness's
                // fault, not the session's, and MAX_STREAM_BYTES keeps it from happening.
                fail("sending message " + messages + ": " + e.getMessage());
            } finally {
                for (int fd : fds) {
                    TestFiles.close(fd);
                }
            }
            streamBytes += Message.HEADER_SIZE + payload;
            if (declared != payload && firstLie[0] == MAX_MESSAGES) {
                firstLie[0] = messages;
            }
            requests[messages++] = request;
        }
        return messages;
    }

    /** The fds a record asks for: in flight they are the session's; ours are closed once sent. */
    private static int[] openFds(int spec) {
        int count = spec & 3;
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            fds[i] = switch ((spec >>> (2 + 2 * i)) & 3) {
                case 0 -> TestFiles.memfd(MEMFD_SIZE);
                case 1 -> TestFiles.eventfd();
                case 2 -> pipeReadEnd();
                default -> TestFiles.memfd(4096);
            };
        }
        return fds;
    }

    /** Neither an eventfd nor mappable: what a confused or hostile peer sends as a kick or memory fd. */
    private static int pipeReadEnd() {
        int[] ends = LINUX.pipe(LinuxConstants.O_CLOEXEC);
        TestFiles.close(ends[1]);
        return ends[0];
    }
}
