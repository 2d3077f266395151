package io.virtio4j.ovs.openflow;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one message: {@link #start} writes the header with a length patched by {@link #finish}.
 * Grows as needed up to the protocol's 64 KiB limit; more is a bug in the caller (multipart
 * replies split themselves first, {@link MultipartReply}), not a peer's doing. Control-plane only:
 * it allocates per message.
 */
final class OfWriter {
    private byte[] buf = new byte[256];
    private int length;

    /** A structure inside a message (a multipart entry), without a header. */
    static OfWriter body() {
        return new OfWriter();
    }

    /** The bytes written so far, nothing patched. */
    ByteBuffer bytes() {
        return ByteBuffer.wrap(buf, 0, length).slice();
    }

    /** A message of {@code type} answering (or carrying) {@code xid}. */
    static OfWriter start(int type, long xid) {
        OfWriter w = new OfWriter();
        w.u8(OfProtocol.VERSION).u8(type).u16(0).u32(xid);
        return w;
    }

    private void ensure(int n) {
        if (length + n > OfProtocol.MAX_MESSAGE_BYTES) {
            throw new IllegalStateException("an OpenFlow message cannot exceed " + OfProtocol.MAX_MESSAGE_BYTES + " bytes");
        }
        if (length + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + n));
        }
    }

    int length() {
        return length;
    }

    OfWriter u8(int v) {
        ensure(1);
        buf[length++] = (byte) v;
        return this;
    }

    OfWriter u16(int v) {
        ensure(2);
        buf[length++] = (byte) (v >>> 8);
        buf[length++] = (byte) v;
        return this;
    }

    OfWriter u32(long v) {
        return u16((int) (v >>> 16)).u16((int) v);
    }

    OfWriter u64(long v) {
        return u32(v >>> 32).u32(v);
    }

    OfWriter zeros(int n) {
        ensure(n);
        length += n; // the array is zero-filled and never reused
        return this;
    }

    /** {@code value} in a NUL-padded field of {@code size} bytes, cut to leave the terminating NUL. */
    OfWriter string(String value, int size) {
        byte[] b = value.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(b.length, size - 1);
        ensure(size);
        System.arraycopy(b, 0, buf, length, n);
        length += size;
        return this;
    }

    OfWriter bytes(ByteBuffer src) {
        int n = src.remaining();
        ensure(n);
        src.duplicate().get(buf, length, n);
        length += n;
        return this;
    }

    /** Patches a 16-bit length at {@code offset} (a structure's own length field). */
    OfWriter patch16(int offset, int value) {
        buf[offset] = (byte) (value >>> 8);
        buf[offset + 1] = (byte) value;
        return this;
    }

    /** The finished message, its header's length set. */
    ByteBuffer finish() {
        patch16(2, length);
        return ByteBuffer.wrap(buf, 0, length).slice();
    }
}
