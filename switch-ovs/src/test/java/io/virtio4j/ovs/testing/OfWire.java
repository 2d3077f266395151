package io.virtio4j.ovs.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/** Reading whole OpenFlow messages off a socket, as a test's peer. */
public final class OfWire {
    private OfWire() {
    }

    /** The next whole message from {@code stream}, or null when it ends before one begins. */
    public static ByteBuffer read(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] header = new byte[8];
        try {
            in.readFully(header);
        } catch (EOFException e) {
            return null;
        }
        int length = ByteBuffer.wrap(header).getShort(2) & 0xffff;
        if (length < 8) {
            throw new IOException("a message length of " + length);
        }
        byte[] all = new byte[length];
        System.arraycopy(header, 0, all, 0, 8);
        in.readFully(all, 8, length - 8);
        return ByteBuffer.wrap(all);
    }
}
