package io.virtio4j.ovs.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Asks a running switch one control question. Connects to its socket, sends the command line,
 * reads the reply until the switch closes, all within one deadline so a hung switch cannot hang
 * the caller. "Not running" errors name the socket path and say how to start the switch.
 */
public final class ControlClient {
    /** A reply larger than this is refused rather than buffered (an FDB of a million entries is ~70 MB). */
    static final int MAX_REPLY_BYTES = 256 << 20;

    private ControlClient() {
    }

    /** Sends {@code command} to the switch listening on {@code socket}; waits at most {@code timeout}. */
    public static ControlReply send(Path socket, String command, Duration timeout) {
        if (command.isEmpty() || command.length() >= ControlProtocol.MAX_REQUEST_BYTES || command.chars().anyMatch(Character::isISOControl)) {
            throw new ControlException("'" + command + "' is not a control command (one word, no control characters)");
        }
        ControlSocketPath.checkLength(socket);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel channel = connect(socket); Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            ByteBuffer request = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            SelectionKey key = channel.register(selector, SelectionKey.OP_WRITE);
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ControlException("the switch on " + socket + " did not answer '" + command + "' within "
                            + timeout.toMillis() + " ms");
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                if (request.hasRemaining()) {
                    channel.write(request);
                    if (!request.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                    continue;
                }
                chunk.clear();
                int n = channel.read(chunk);
                if (n < 0) {
                    return ControlReply.parse(reply.toString(StandardCharsets.UTF_8), socket.toString());
                }
                reply.write(chunk.array(), 0, n);
                if (reply.size() > MAX_REPLY_BYTES) {
                    throw new ControlException("the reply from " + socket + " exceeds " + MAX_REPLY_BYTES + " bytes");
                }
            }
        } catch (IOException e) {
            throw new ControlException("talking to the switch on " + socket + " failed: " + e.getMessage(), e);
        }
    }

    private static SocketChannel connect(Path socket) throws IOException {
        if (!Files.exists(socket)) {
            throw ControlException.notRunning("the switch is not running: no control socket at " + socket
                    + " (start it with ./virtio4j switch --config FILE, or pass --socket PATH)", null);
        }
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return channel;
        } catch (IOException e) {
            channel.close();
            if (!Files.isWritable(socket)) {
                throw new ControlException("no permission to use the control socket " + socket
                        + "; run as the user the switch runs as (usually root)", e);
            }
            throw ControlException.notRunning("the switch is not running: nobody listens on " + socket
                    + " (left by a switch that stopped; start it with ./virtio4j switch --config FILE)", e);
        }
    }
}
