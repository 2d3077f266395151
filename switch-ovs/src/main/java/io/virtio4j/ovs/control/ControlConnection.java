package io.virtio4j.ovs.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One client of the control server: collects its request line into a fixed buffer, then holds
 * its reply until the client has read it. Never blocks: the server's selector says when to act.
 */
final class ControlConnection {
    enum Progress { NEED_MORE, LINE, TOO_LONG, CLOSED }

    final SocketChannel channel;
    private final ByteBuffer request = ByteBuffer.allocate(ControlProtocol.MAX_REQUEST_BYTES);
    private ByteBuffer reply;
    private String line;
    long deadlineNanos;

    ControlConnection(SocketChannel channel, long deadlineNanos) {
        this.channel = channel;
        this.deadlineNanos = deadlineNanos;
    }

    /** Reads what the client sent so far. The buffer is bounded: a line that fills it is too long. */
    Progress read() throws IOException {
        int n = channel.read(request);
        if (n < 0) {
            return Progress.CLOSED;
        }
        // Scan only the bytes in the buffer: position() of them were written by read().
        for (int i = 0; i < request.position(); i++) {
            if (request.get(i) == '\n') {
                line = new String(request.array(), 0, i, StandardCharsets.UTF_8).strip();
                return Progress.LINE;
            }
        }
        return request.hasRemaining() ? Progress.NEED_MORE : Progress.TOO_LONG;
    }

    /** The request line without its newline and surrounding blanks. */
    String line() {
        return line;
    }

    void reply(byte[] bytes, long deadlineNanos) {
        this.reply = ByteBuffer.wrap(bytes);
        this.deadlineNanos = deadlineNanos;
    }

    boolean replying() {
        return reply != null;
    }

    /** Writes as much of the reply as the socket takes; true when all of it is written. */
    boolean write() throws IOException {
        channel.write(reply);
        return !reply.hasRemaining();
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a Unix socket whose peer is gone cannot fail in a way that matters.
        }
    }
}
