package io.virtio4j.ovs.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What is at a Unix socket path before the switch binds there. Binding over a socket another
 * process listens on steals its future clients and, when this process stops and unlinks the path,
 * leaves the other one unreachable; so the only socket that may be replaced is a stale one, which
 * a connect attempt tells apart from a live one.
 */
enum SocketProbe {
    /** Nothing at the path: bind freely. */
    ABSENT,
    /** A socket nobody listens on (its owner died): safe to replace. */
    STALE,
    /** A socket a live process accepts connections on: never bind over it. */
    LIVE,
    /** A socket this user may not connect to: whether someone listens is unknown, so it is not ours to replace. */
    NOT_OURS,
    /** A file, directory or link that is not a socket: replacing it would destroy something else. */
    NOT_A_SOCKET;

    /** Probes {@code path} (not following links: a link is not ours to trust). */
    static SocketProbe of(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return ABSENT;
        }
        if (!ControlSocketPath.isSocket(path)) {
            return NOT_A_SOCKET;
        }
        if (!Files.isWritable(path)) {
            // connect(2) would fail with EACCES, which says nothing about whether someone listens.
            return NOT_OURS;
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return LIVE;
        } catch (IOException refused) {
            return STALE;
        }
    }
}
