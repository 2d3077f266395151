package io.virtio4j.ovs.openflow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Cuts a connection's byte stream into whole messages by their header's length field and hands
 * each to the session. The buffer holds one largest message (64 KiB), so a peer cannot make it
 * grow. A length below the header's own 8 bytes leaves no way to find the next message: the
 * session answers BAD_REQUEST/BAD_LEN and the connection ends.
 */
final class OfFramer {
    private final ByteBuffer buffer = ByteBuffer.allocate(OfProtocol.MAX_MESSAGE_BYTES).order(ByteOrder.BIG_ENDIAN);
    private final OfSession session;

    OfFramer(OfSession session) {
        this.session = session;
    }

    /** Where the next read from the peer goes (write mode); never empty unless the session has ended. */
    ByteBuffer readBuffer() {
        return buffer;
    }

    /**
     * Delivers every whole message the buffer now holds (after a read into {@link #readBuffer});
     * keeps a partial one for the next read.
     */
    void drain() {
        buffer.flip();
        while (!session.closed() && buffer.remaining() >= OfProtocol.HEADER_BYTES) {
            int start = buffer.position();
            int length = buffer.getShort(start + 2) & 0xffff;
            if (length < OfProtocol.HEADER_BYTES) {
                session.unframeable(buffer.slice(start, OfProtocol.HEADER_BYTES), length);
                break;
            }
            if (buffer.remaining() < length) {
                break;
            }
            // In bounds: length was checked against what the buffer holds.
            session.receive(buffer.slice(start, length));
            buffer.position(start + length);
        }
        buffer.compact();
    }

    /** Feeds {@code stream} through as if read in chunks of {@code chunk} bytes (tests and the fuzz target). */
    void feed(ByteBuffer stream, int chunk) {
        ByteBuffer in = stream.duplicate();
        while (in.hasRemaining() && !session.closed()) {
            int n = Math.min(Math.min(chunk, in.remaining()), buffer.remaining());
            buffer.put(in.slice(in.position(), n));
            in.position(in.position() + n);
            drain();
        }
    }
}
