package io.virtio4j.ovs.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

/** A remote VTEP played by a plain JDK datagram channel: independent of the code under test. */
public final class UdpPeer implements AutoCloseable {
    public record Datagram(InetSocketAddress from, byte[] bytes) {
    }

    private final DatagramChannel channel;

    public UdpPeer(String address, int port) throws IOException {
        channel = DatagramChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        channel.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        channel.configureBlocking(false);
    }

    public void send(byte[] payload, String address, int port) throws IOException {
        channel.send(ByteBuffer.wrap(payload), new InetSocketAddress(InetAddress.getByName(address), port));
    }

    /** Datagrams that arrive within {@code millis}, stopping early once {@code expected} came. */
    public List<Datagram> receive(int expected, long millis) throws Exception {
        List<Datagram> out = new ArrayList<>();
        long deadline = System.nanoTime() + millis * 1_000_000;
        ByteBuffer b = ByteBuffer.allocate(65536);
        while (out.size() < expected && System.nanoTime() < deadline) {
            b.clear();
            InetSocketAddress from = (InetSocketAddress) channel.receive(b);
            if (from == null) {
                Thread.sleep(1);
                continue;
            }
            b.flip();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.add(new Datagram(from, bytes));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
