package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.ProtocolFeature;
import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.transport.ReceivedFds;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.time.Duration;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;

/**
 * The front-end (VMM) role: hands guest memory and rings to an external vhost-user back-end
 * (DPDK net_vhost, a vhost-user switch). Addresses the back-end gets are this process's virtual
 * addresses of the regions (what QEMU sends as user_addr), so ring addresses are translated through
 * {@link GuestMemory#slice}. Replies are checked like requests: right request id, reply flag,
 * exact size. With REPLY_ACK negotiated every setter waits for the back-end's verdict.
 *
 * <p>Not thread-safe: one request at a time; callers on several threads serialise (as
 * {@link VhostUserNetBackend} does under its lock).
 */
public final class VhostUserFrontend implements AutoCloseable {
    private final UnixSocket socket;
    // Shared: a connection may be negotiated on one thread and used on another (one at a time).
    private final Arena arena = Arena.ofShared();
    private final Message msg = new Message(arena);
    private final ReceivedFds replyFds;
    private boolean replyAck;
    private boolean closed;

    private VhostUserFrontend(UnixSocket socket) {
        this.socket = socket;
        this.replyFds = new ReceivedFds(socket.platform());
    }

    /** Connects to a back-end listening on {@code path}, retrying until {@code timeout}. */
    public static VhostUserFrontend connect(Path path, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return new VhostUserFrontend(UnixSocket.connect(path));
            } catch (VhostUserException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /** A front-end on an already connected socket (a back-end that connected to us). */
    public static VhostUserFrontend over(UnixSocket socket) {
        return new VhostUserFrontend(socket);
    }

    /** GET_FEATURES: the back-end's virtio feature bits. */
    public long getFeatures() {
        return query(Request.GET_FEATURES);
    }

    /** SET_FEATURES: the bits the driver negotiated. */
    public void setFeatures(long features) {
        command(Request.SET_FEATURES, Message.U64_SIZE, features);
    }

    /** GET_PROTOCOL_FEATURES: the back-end's protocol feature bits. */
    public long getProtocolFeatures() {
        return query(Request.GET_PROTOCOL_FEATURES);
    }

    /** Sets protocol features; from here on, REPLY_ACK (if among them) is used for every setter. */
    public void setProtocolFeatures(long features) {
        command(Request.SET_PROTOCOL_FEATURES, Message.U64_SIZE, features);
        replyAck = (features & ProtocolFeature.mask(ProtocolFeature.REPLY_ACK)) != 0;
    }

    /**
     * SEND_RARP: asks the back-end to announce {@code mac} (6 bytes) after a migration; needs the
     * RARP protocol feature.
     */
    public void sendRarp(byte[] mac) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC has 6 bytes, not " + mac.length);
        }
        long value = 0;
        for (int i = 0; i < 6; i++) {
            // The MAC is the first six bytes of the u64 payload, in wire order (little-endian u64).
            value |= (mac[i] & 0xFFL) << (8 * i);
        }
        command(Request.SEND_RARP, Message.U64_SIZE, value);
    }

    /** The back-end's queue count (GET_QUEUE_NUM; only with the MQ protocol feature). */
    public long getQueueNum() {
        return query(Request.GET_QUEUE_NUM);
    }

    /** SET_OWNER: this connection owns the back-end's device. */
    public void setOwner() {
        command(Request.SET_OWNER, 0, 0);
    }

    /** Shares every region of {@code memory}; each must be shareable (memfd-backed). At most 8. */
    public void setMemTable(GuestMemory memory) {
        int n = memory.regionCount();
        if (n > ReceivedFds.MAX) {
            throw VhostUserException.rejected(n + " regions; SET_MEM_TABLE carries at most 8");
        }
        int[] fds = new int[n];
        msg.header(Request.SET_MEM_TABLE.id(), flags(), Message.MEM_REGIONS + n * Message.REGION_SIZE)
                .u32(Message.MEM_NREGIONS, n);
        for (int i = 0; i < n; i++) {
            GuestRegion r = memory.region(i);
            if (!r.shareable()) {
                throw VhostUserException.rejected("region at 0x" + Long.toHexString(r.guestBase()) + " has no fd to share");
            }
            int base = Message.MEM_REGIONS + i * Message.REGION_SIZE;
            msg.u64(base + Message.REGION_GUEST_ADDR, r.guestBase())
                    .u64(base + Message.REGION_MEMORY_SIZE, r.size())
                    .u64(base + Message.REGION_USER_ADDR, r.segment().address())
                    .u64(base + Message.REGION_MMAP_OFFSET, r.fdOffset());
            fds[i] = r.fd();
        }
        socket.send(msg.buffer(), msg.totalLength(), fds);
        awaitAck(Request.SET_MEM_TABLE);
    }

    /** SET_VRING_NUM: ring {@code index} has {@code size} descriptors. */
    public void setVringNum(int index, int size) {
        state(Request.SET_VRING_NUM, index, size);
    }

    /**
     * SET_VRING_BASE: ring {@code index} starts at {@code base}: a split ring's next avail index; a
     * packed ring's slot in bits 0-14 with its wrap counter in bit 15 (vhost-user.rst; DPDK's vhost
     * library reads it so and ignores the high half QEMU fills with its used position).
     */
    public void setVringBase(int index, int base) {
        state(Request.SET_VRING_BASE, index, base);
    }

    /**
     * Sends the ring's addresses as this process's virtual addresses of its guest-physical ones: the
     * descriptor table, avail ring and used ring of a split ring; of a packed ring the descriptor
     * ring and the driver and device event suppression structures (4 bytes each) in the avail and
     * used fields, as QEMU sends them.
     */
    public void setVringAddr(int index, QueueLayout layout, GuestMemory memory) {
        msg.header(Request.SET_VRING_ADDR.id(), flags(), Message.VRING_ADDR_SIZE)
                .u32(Message.ADDR_INDEX, index).u32(Message.ADDR_FLAGS, 0)
                .u64(Message.ADDR_DESC, memory.slice(layout.descAddr(), layout.descBytes()).address())
                .u64(Message.ADDR_USED, memory.slice(layout.usedAddr(), layout.usedBytes()).address())
                .u64(Message.ADDR_AVAIL, memory.slice(layout.availAddr(), layout.availBytes()).address())
                .u64(Message.ADDR_LOG, 0);
        socket.send(msg.buffer(), msg.totalLength());
        awaitAck(Request.SET_VRING_ADDR);
    }

    /** SET_VRING_KICK: the eventfd the driver signals for ring {@code index} (sent as a duplicate). */
    public void setVringKick(int index, int eventfd) {
        vringFd(Request.SET_VRING_KICK, index, eventfd);
    }

    /** SET_VRING_CALL: the eventfd the back-end signals for ring {@code index}. */
    public void setVringCall(int index, int eventfd) {
        vringFd(Request.SET_VRING_CALL, index, eventfd);
    }

    /** SET_VRING_ENABLE: starts or stops ring {@code index} (with PROTOCOL_FEATURES). */
    public void setVringEnable(int index, boolean enable) {
        state(Request.SET_VRING_ENABLE, index, enable ? 1 : 0);
    }

    /**
     * Stops ring {@code index} and returns the back-end's position, encoded as {@link #setVringBase}
     * takes it; whether it names a slot of the ring is the caller's to check (it knows the ring).
     */
    public int getVringBase(int index) {
        msg.header(Request.GET_VRING_BASE.id(), Message.VERSION, Message.VRING_STATE_SIZE)
                .u32(Message.STATE_INDEX, index).u32(Message.STATE_NUM, 0);
        socket.send(msg.buffer(), msg.totalLength());
        readReply(Request.GET_VRING_BASE, Message.VRING_STATE_SIZE);
        if (msg.u32(Message.STATE_INDEX) != index) {
            throw VhostUserException.fatal("GET_VRING_BASE reply for ring " + msg.u32(Message.STATE_INDEX) + ", asked " + index);
        }
        int base = msg.u32(Message.STATE_NUM);
        // An avail index is 16 bits: anything wider is the back-end's error, not a position to resume from.
        if (base < 0 || base > 0xFFFF) {
            throw VhostUserException.fatal("GET_VRING_BASE reply for ring " + index + " carries "
                    + Integer.toUnsignedString(base) + ", not a 16-bit avail index");
        }
        return base;
    }

    private int flags() {
        return Message.VERSION | (replyAck ? Message.NEED_REPLY : 0);
    }

    private void state(Request r, int index, int num) {
        msg.header(r.id(), flags(), Message.VRING_STATE_SIZE).u32(Message.STATE_INDEX, index).u32(Message.STATE_NUM, num);
        socket.send(msg.buffer(), msg.totalLength());
        awaitAck(r);
    }

    private void vringFd(Request r, int index, int fd) {
        if (index < 0 || index > 0xFF) {
            throw new IllegalArgumentException("ring index " + index);
        }
        msg.header(r.id(), flags(), Message.U64_SIZE).u64(0, fd < 0 ? index | 0x100 : index);
        if (fd < 0) {
            socket.send(msg.buffer(), msg.totalLength());
        } else {
            socket.send(msg.buffer(), msg.totalLength(), fd);
        }
        awaitAck(r);
    }

    private void command(Request r, int size, long value) {
        msg.header(r.id(), flags(), size);
        if (size > 0) {
            msg.u64(0, value);
        }
        socket.send(msg.buffer(), msg.totalLength());
        awaitAck(r);
    }

    private long query(Request r) {
        msg.header(r.id(), Message.VERSION, 0);
        socket.send(msg.buffer(), Message.HEADER_SIZE);
        readReply(r, Message.U64_SIZE);
        return msg.u64(0);
    }

    private void awaitAck(Request r) {
        if (!replyAck) {
            return;
        }
        readReply(r, Message.U64_SIZE);
        long status = msg.u64(0);
        if (status != 0) {
            throw VhostUserException.rejected("back-end refused " + r + " (status " + status + ")");
        }
    }

    /** Reads one reply, checking it answers {@code r} with exactly {@code size} bytes and no fds. */
    private void readReply(Request r, int size) {
        try {
            if (!socket.receive(msg.buffer(), 0, Message.HEADER_SIZE, replyFds)) {
                throw VhostUserException.fatal("back-end closed the connection awaiting " + r);
            }
            if (msg.request() != r.id() || (msg.flags() & (Message.VERSION_MASK | Message.REPLY)) != (Message.VERSION | Message.REPLY)
                    || msg.size() != size) {
                throw VhostUserException.fatal("bad reply to " + r + ": request " + msg.request() + " flags 0x"
                        + Integer.toHexString(msg.flags()) + " size " + msg.size());
            }
            if (!socket.receive(msg.buffer(), Message.HEADER_SIZE, size, replyFds)) {
                throw VhostUserException.fatal("EOF in reply to " + r);
            }
            if (replyFds.count() != 0) {
                throw VhostUserException.fatal("reply to " + r + " carried fds");
            }
        } finally {
            replyFds.closeAll();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        socket.close();
        arena.close();
    }

    /** The socket (for tests, and for a watcher to see the peer hang up). */
    UnixSocket socket() {
        return socket;
    }

}
