package io.virtio4j.ovs.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A classic pcap file with nanosecond timestamps (magic {@code 0xa1b23c4d}, link type Ethernet),
 * as tcpdump, tshark and Wireshark read it. Written by one capture's writer thread, never a PMD.
 */
final class PcapFile implements AutoCloseable {
    private static final int MAGIC_NANOSECONDS = 0xa1b23c4d;
    private static final int LINKTYPE_ETHERNET = 1;
    /** The largest frame a port hands over, with room for a tag a trunk adds. */
    static final int SNAPLEN = 65535;
    private static final int RECORD_HEADER = 16;

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

    private PcapFile(FileChannel channel) {
        this.channel = channel;
    }

    /** Creates (or truncates) {@code file} and writes the pcap header. */
    static PcapFile create(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        PcapFile pcap = new PcapFile(channel);
        pcap.buffer.putInt(MAGIC_NANOSECONDS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(SNAPLEN)
                .putInt(LINKTYPE_ETHERNET);
        return pcap;
    }

    /** Appends one frame captured at {@code epochNanos}: {@code length} bytes of {@code frame}. */
    void write(long epochNanos, byte[] frame, int length) throws IOException {
        if (buffer.remaining() < RECORD_HEADER + length) {
            flush();
        }
        buffer.putInt((int) (epochNanos / 1_000_000_000L)).putInt((int) (epochNanos % 1_000_000_000L)).putInt(length)
                .putInt(length).put(frame, 0, length);
    }

    /** Writes what is buffered. */
    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            channel.close();
        }
    }
}
