package io.virtio4j.ovs.openflow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads one message's fields in network order from its bytes, checking every read against what
 * is left: a field that would run past the message (or past a structure the message delimits
 * with a length of its own, {@link #sub}) is a {@link OfDecodeException} with the error the peer
 * gets back, never a read of anything else. Lengths come from the peer; nothing is trusted.
 */
final class OfReader {
    private final ByteBuffer bytes;
    private final int errorType;
    private final int errorCode;

    /** Reads {@code bytes} from its position to its limit; a short read is {@code errorType}/{@code errorCode}. */
    OfReader(ByteBuffer bytes, int errorType, int errorCode) {
        this.bytes = bytes.slice().order(ByteOrder.BIG_ENDIAN);
        this.errorType = errorType;
        this.errorCode = errorCode;
    }

    /** A message's reader: too short is BAD_REQUEST/BAD_LEN. */
    static OfReader of(ByteBuffer message) {
        return new OfReader(message, OfProtocol.ET_BAD_REQUEST, OfProtocol.BRC_BAD_LEN);
    }

    int remaining() {
        return bytes.remaining();
    }

    int position() {
        return bytes.position();
    }

    private void need(int n, String what) {
        if (n < 0 || n > bytes.remaining()) {
            throw new OfDecodeException(errorType, errorCode, what + " needs " + n + " bytes at offset " + bytes.position()
                    + ", " + bytes.remaining() + " left");
        }
    }

    int u8(String what) {
        need(1, what);
        return bytes.get() & 0xff;
    }

    int u16(String what) {
        need(2, what);
        return bytes.getShort() & 0xffff;
    }

    long u32(String what) {
        need(4, what);
        return bytes.getInt() & 0xffffffffL;
    }

    long u64(String what) {
        need(8, what);
        return bytes.getLong();
    }

    void skip(int n, String what) {
        need(n, what);
        bytes.position(bytes.position() + n);
    }

    /**
     * The next {@code n} bytes as a reader of their own (a structure with its own length), whose
     * short reads are {@code type}/{@code code}; this reader moves past them.
     */
    OfReader sub(int n, String what, int type, int code) {
        if (n < 0 || n > bytes.remaining()) {
            throw new OfDecodeException(type, code, what + " says " + n + " bytes, " + bytes.remaining() + " left");
        }
        // In bounds: n was just checked against what is left.
        OfReader r = new OfReader(bytes.slice(bytes.position(), n), type, code);
        bytes.position(bytes.position() + n);
        return r;
    }

    /** The rest of the bytes, as a read-only view. */
    ByteBuffer rest() {
        ByteBuffer r = bytes.slice().asReadOnlyBuffer();
        bytes.position(bytes.limit());
        return r;
    }
}
