package io.virtio4j.vhostuser.protocol;

import io.virtio4j.vhostuser.BackendConfig;
import io.virtio4j.vhostuser.GuestMemoryBudget;
import io.virtio4j.vhostuser.VhostUserCounter;
import io.virtio4j.vhostuser.VhostUserCounters;
import io.virtio4j.vhostuser.VhostUserException;
import io.virtio4j.vhostuser.memory.DirtyBitmap;
import io.virtio4j.vhostuser.memory.FdMapping;
import io.virtio4j.vhostuser.memory.GuestMemoryFaults;
import io.virtio4j.vhostuser.memory.MemoryRegionSpec;
import io.virtio4j.vhostuser.memory.MemoryTable;
import io.virtio4j.vhostuser.net.ActiveQueue;
import io.virtio4j.vhostuser.net.CallSignaller;
import io.virtio4j.vhostuser.transport.ReceivedFds;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.platform.OwnedFd;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.VirtqueueException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The back-end side of one vhost-user connection: reads each message, checks it against its
 * {@link Request} row, applies it to the session state (features, memory table, rings) and replies.
 *
 * <p>Every message is read whole before it is judged, so a rejected message leaves the stream in
 * sync and the connection keeps going (with an error reply when REPLY_ACK asked for one). A message
 * that breaks framing (bad version, oversized payload, EOF mid-message, more than 8 fds) or a failed
 * request that the front-end waits on ends the connection. Either way, when {@link #run} returns
 * every fd the peer sent has been closed and every mapping unmapped.
 *
 * <p>Single-threaded: {@link #run} is the only caller of everything but {@link #shutdown}.
 */
public final class BackendSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackendSession.class);
    /** SET_VRING_KICK/CALL/ERR payload: ring index in bits 0-7, "no fd" flag in bit 8. */
    private static final long VRING_INDEX_MASK = 0xFF;
    private static final long VRING_NOFD = 0x100;
    private static final int MAX_MTU = 65535;
    /** A log covering 16 TiB of guest memory at one bit per 4 KiB page. */
    private static final long MAX_LOG_BYTES = 1L << 29;
    private static final int MIN_MTU = 68;

    private final UnixSocket socket;
    private final BackendConfig config;
    private final RingListener listener;
    private final VhostUserCounters counters;
    /**
     * The log limits of this session's port (its loop's, shared by the sessions of one socket), one
     * per kind: a front-end reconnecting in a loop gets one line a second of each, and cannot make
     * another port's warnings "similar suppressed".
     */
    private final SessionWarnings warnings;
    /** The limit shared with other sessions (a switch's, over all its ports) on guest memory mapped. */
    private final GuestMemoryBudget budget;
    /** What this session holds of {@link #budget}: at least its memory table's bytes while it maps them. */
    private long reservedBytes;
    // Shared: the session is built on one thread and run on another.
    private final Arena arena = Arena.ofShared();
    private final Message msg = new Message(arena);
    private final Platform platform;
    private final ReceivedFds fds;
    private final VringState[] rings;
    /** Writes the rings' call fds for the data path; a stalled write drops this session. */
    private final CallSignaller calls;
    private final java.util.concurrent.atomic.AtomicBoolean callStalled = new java.util.concurrent.atomic.AtomicBoolean();

    private long features;
    private boolean featuresSet;
    private long protocolFeatures;
    private boolean owned;
    private int status;
    private int mtu;
    // Volatile: a fault sweep on a PMD thread checks them (GuestMemoryFaults); only run() writes them.
    private volatile MemoryTable memory;
    private volatile FdMapping dirtyLogMapping;
    /** Set once by whoever first finds this session's memory shrunk, so the session is counted once. */
    private final java.util.concurrent.atomic.AtomicBoolean faulted = new java.util.concurrent.atomic.AtomicBoolean();
    /** What logs call this session: its loop's name (the socket path), set before run. */
    private volatile String name = "vhost-user session";
    private DirtyBitmap dirtyLog;

    /** A session over {@code socket} (owned from here on), offering {@code config}, handing ready rings to {@code listener} and counting into {@code counters}. */
    public BackendSession(UnixSocket socket, BackendConfig config, RingListener listener, VhostUserCounters counters) {
        this(socket, config, listener, counters, GuestMemoryBudget.unlimited());
    }

    /**
     * As above, with the guest memory this session maps also counted against {@code budget}, which
     * other sessions share (a switch's limit over all its ports).
     */
    public BackendSession(UnixSocket socket, BackendConfig config, RingListener listener, VhostUserCounters counters,
                          GuestMemoryBudget budget) {
        this(socket, config, listener, counters, budget, new SessionWarnings(LOG));
    }

    /** As above, logging under the limits of {@code warnings} (its port's, shared with the port's other sessions). */
    public BackendSession(UnixSocket socket, BackendConfig config, RingListener listener, VhostUserCounters counters,
                   GuestMemoryBudget budget, SessionWarnings warnings) {
        this.warnings = java.util.Objects.requireNonNull(warnings, "warnings");
        this.budget = java.util.Objects.requireNonNull(budget, "budget");
        this.socket = socket;
        this.platform = socket.platform();
        this.fds = new ReceivedFds(platform);
        this.memory = MemoryTable.empty(platform);
        this.config = config;
        this.listener = listener;
        this.counters = counters;
        this.rings = new VringState[config.rings()];
        this.calls = new CallSignaller(platform, name, this::callStalled);
        for (int i = 0; i < rings.length; i++) {
            rings[i] = new VringState(i, platform);
            rings[i].signaller(calls);
        }
    }

    /**
     * Serves the connection until the peer closes it or breaks the protocol, then releases
     * everything (socket included).
     */
    public void run() {
        GuestMemoryFaults.watch(this);
        // Once per connection, for the operator: who connected (the kernel's word, not the peer's).
        int pid = socket.peerPid();
        note(SessionWarnings.Note.CONNECTED, "{}: front-end connected (pid {})", name, pid < 0 ? "unknown" : pid);
        String ended = "closed the connection";
        try {
            while (serveOne()) {
                // next message
            }
        } catch (InternalError e) {
            ended = "dropped: guest memory fault";
            // A fault in an unsafe memory access: the front-end shrank a file under a mapping while
            // this thread read it (a ring's used index at start, say). That is this connection's
            // failure, not the process's: drop it with everything it holds.
            memoryFault("a fault reading guest memory on the session thread: " + e.getMessage());
            counters.count(VhostUserCounter.DISCONNECTS);
        } catch (VhostUserException e) {
            counters.count(VhostUserCounter.DISCONNECTS);
            ended = "dropped: " + e.getMessage();
            warnings.of(SessionWarnings.Kind.DROPPED).warn("{}: vhost-user connection dropped: {}", name, e.getMessage());
        } catch (RuntimeException e) {
            // Not a protocol error we anticipated: drop this connection with everything it holds,
            // keep the process and the other connections alive, and leave a stack trace for the bug.
            counters.count(VhostUserCounter.DISCONNECTS);
            ended = "dropped: " + e;
            LOG.error("vhost-user connection dropped on an unexpected error", e);
        } finally {
            GuestMemoryFaults.unwatch(this);
            close();
            note(SessionWarnings.Note.LEFT, "{}: front-end (pid {}) left: {}", name, pid < 0 ? "unknown" : pid, ended);
        }
    }

    /** Names this session in logs (its loop's name: the socket path). */
    public void name(String name) {
        this.name = name;
        calls.name(name);
    }

    /**
     * A call-fd write has been blocked for longer than {@link CallSignaller#STALL}: the front-end
     * made its eventfd block (cleared O_NONBLOCK, filled the counter). Only this session's signaller
     * is stuck; drop the connection, whose teardown releases the write. Any thread; never blocks.
     */
    private void callStalled() {
        if (callStalled.compareAndSet(false, true)) {
            counters.count(VhostUserCounter.STALLED_CALLS);
            warnings.of(SessionWarnings.Kind.STALLED).warn("{}: a write to a call eventfd of the front-end blocked; dropping the connection", name);
        }
        socket.shutdown();
    }

    /**
     * Whether every file under this session's guest memory and dirty log still holds all the mapped
     * bytes. Safe from any thread: each mapping's check is synchronized with its close.
     */
    public boolean mappingsIntact() {
        FdMapping log = dirtyLogMapping;
        return memory.intact() && (log == null || log.intact());
    }

    /**
     * Counts and logs (once per session) that the front-end shrank this session's memory, and ends
     * the session: its thread wakes, stops every ring and releases everything. Any thread; never blocks.
     */
    public void memoryFault(String what) {
        if (faulted.compareAndSet(false, true)) {
            counters.count(VhostUserCounter.MEMORY_FAULTS);
            warnings.of(SessionWarnings.Kind.FAULTED).warn("{}: front-end shrank guest memory under a mapping ({}); dropping the connection", name, what);
        }
        socket.shutdown();
    }

    /** After a data-path fault in this session's memory: the calling thread gives up the rings it holds. */
    public void abandonBursts() {
        listener.abandonBursts();
    }

    /** Reads and handles one message; false on a clean EOF. */
    public boolean serveOne() {
        if (!socket.receive(msg.buffer(), 0, Message.HEADER_SIZE, fds)) {
            return false;
        }
        if ((msg.flags() & Message.VERSION_MASK) != Message.VERSION) {
            fds.closeAll();
            throw VhostUserException.fatal("message with protocol version " + (msg.flags() & Message.VERSION_MASK));
        }
        long size = msg.size();
        if (size > Message.MAX_PAYLOAD) {
            fds.closeAll();
            throw VhostUserException.fatal("payload of " + size + " bytes exceeds " + Message.MAX_PAYLOAD);
        }
        if (size > 0 && !socket.receive(msg.buffer(), Message.HEADER_SIZE, size, fds)) {
            throw VhostUserException.fatal("EOF inside a message");
        }
        counters.count(VhostUserCounter.MESSAGES);
        Request request = Request.byId(msg.request());
        if (LOG.isDebugEnabled()) {
            // Per message (control plane), never per frame; guarded so a disabled line costs no boxing.
            LOG.debug("{}: {} ({} bytes, {} fds)", name, request == null ? "request " + msg.request() : request, size,
                    fds.count());
        }
        // REPLY_ACK holds from SET_PROTOCOL_FEATURES on, before any SET_FEATURES (vhost-user.rst: protocol
        // features need only the PROTOCOL_FEATURES offer; QEMU and DPDK's virtio-user set them first).
        boolean wantsAck = msg.needsReply() && (protocolFeatures & ProtocolFeature.mask(ProtocolFeature.REPLY_ACK)) != 0;
        try {
            if (request == null) {
                counters.count(VhostUserCounter.UNKNOWN_REQUESTS);
                throw VhostUserException.rejected("unknown or unimplemented request " + msg.request());
            }
            if ((msg.flags() & Message.REPLY) != 0) {
                throw VhostUserException.rejected(request + " arrived with the reply flag set");
            }
            int unknownFlags = msg.flags() & ~Message.KNOWN_FLAGS;
            if (unknownFlags != 0) {
                // Reserved bits may mean something to a newer front-end that this back-end would
                // silently ignore: refuse the message (read whole, so the stream stays in sync).
                throw VhostUserException.rejected(request + " with unknown header flags 0x" + Integer.toHexString(unknownFlags));
            }
            request.validate(size, fds.count());
            if (request.needsStoppedRing()) {
                // Every such payload starts with the ring index (vhost_vring_state / vhost_vring_addr).
                stoppedRing(msg.u32(Message.STATE_INDEX));
            }
            handle(request);
            if (wantsAck && !request.alwaysReplies()) {
                reply(msg.request(), 0);
            }
        } catch (VhostUserException | GuestMemoryException e) {
            boolean fatal = (e instanceof VhostUserException v && v.fatal()) || (request != null && request.alwaysReplies());
            if (fatal) {
                throw e instanceof VhostUserException v ? v : VhostUserException.fatal(e.getMessage());
            }
            counters.count(VhostUserCounter.REJECTED);
            warnings.of(SessionWarnings.Kind.REJECTED).warn("{}: vhost-user request {}", name,
                    (request == null ? String.valueOf(msg.request()) : request.toString()) + " rejected: " + e.getMessage());
            if (wantsAck) {
                reply(msg.request(), 1);
            }
        } finally {
            fds.closeAll();
        }
        return true;
    }

    private void handle(Request request) {
        switch (request) {
            case GET_FEATURES -> reply(request.id(), config.offeredFeatures());
            case SET_FEATURES -> setFeatures(msg.u64(0));
            case SET_OWNER -> owned = true;
            case RESET_OWNER -> resetOwner();
            case SET_MEM_TABLE -> setMemTable();
            case SET_LOG_BASE -> setLogBase();
            case SET_LOG_FD -> fds.closeAll();
            case SET_VRING_NUM -> setVringNum();
            case SET_VRING_ADDR -> setVringAddr();
            case SET_VRING_BASE -> ring(msg.u32(Message.STATE_INDEX)).base(ringBase(msg.u32(Message.STATE_NUM)));
            case GET_VRING_BASE -> getVringBase();
            case SET_VRING_KICK -> setVringFd(request);
            case SET_VRING_CALL -> setVringFd(request);
            case SET_VRING_ERR -> setVringFd(request);
            case GET_PROTOCOL_FEATURES -> reply(request.id(), config.protocolFeatures());
            case SET_PROTOCOL_FEATURES -> setProtocolFeatures(msg.u64(0));
            case GET_QUEUE_NUM -> reply(request.id(), config.queuePairs());
            case SET_VRING_ENABLE -> setVringEnable();
            case SEND_RARP -> sendRarp();
            case NET_SET_MTU -> setMtu();
            case GET_MAX_MEM_SLOTS -> reply(request.id(), config.maxMemSlots());
            case ADD_MEM_REG -> addMemReg();
            case REM_MEM_REG -> remMemReg();
            case SET_STATUS -> setStatus();
            case GET_STATUS -> reply(request.id(), status);
        }
    }

    private void setFeatures(long requested) {
        long unknown = requested & ~config.offeredFeatures();
        if (unknown != 0) {
            throw VhostUserException.rejected("SET_FEATURES with bits not offered: 0x" + Long.toHexString(unknown));
        }
        if (!featuresSet || features != requested) {
            note(SessionWarnings.Note.FEATURES, "{}: features negotiated 0x{} (offered 0x{})", name, Long.toHexString(requested),
                    Long.toHexString(config.offeredFeatures()));
        }
        features = requested;
        featuresSet = true;
        installDirtyLog();
        // QEMU turns VHOST_F_LOG_ALL on and off on running rings (migration start and end):
        // restart them so the data path picks up the new features and log.
        for (VringState r : rings) {
            if (r.running()) {
                stopRing(r);
                maybeStart(r);
            }
        }
    }

    /**
     * Points guest memory's write observer at the dirty bitmap while VHOST_F_LOG_ALL is negotiated
     * and a log is mapped; otherwise removes it.
     */
    private boolean logging() {
        return (features & BackendConfig.VHOST_F_LOG_ALL) != 0 && dirtyLog != null;
    }

    private void installDirtyLog() {
        GuestMemory m = memory.memory();
        if (m != null) {
            m.dirtyLog(logging() ? dirtyLog : null);
        }
    }

    private void setProtocolFeatures(long requested) {
        long unknown = requested & ~config.protocolFeatures();
        if (unknown != 0) {
            throw VhostUserException.rejected("SET_PROTOCOL_FEATURES with bits not offered: 0x" + Long.toHexString(unknown));
        }
        protocolFeatures = requested;
    }

    private void resetOwner() {
        for (VringState r : rings) {
            stopRing(r);
            r.reset();
        }
        owned = false;
        features = 0;
        featuresSet = false;
    }

    private void setMemTable() {
        long nregions = Integer.toUnsignedLong(msg.u32(Message.MEM_NREGIONS));
        if (nregions < 1 || nregions > ReceivedFds.MAX) {
            throw VhostUserException.rejected("SET_MEM_TABLE with " + nregions + " regions (1..8)");
        }
        if (msg.size() < Message.MEM_REGIONS + nregions * Message.REGION_SIZE) {
            throw VhostUserException.rejected("SET_MEM_TABLE payload of " + msg.size() + " bytes cannot hold " + nregions + " regions");
        }
        if (fds.count() != nregions) {
            throw VhostUserException.rejected("SET_MEM_TABLE with " + nregions + " regions but " + fds.count() + " fds");
        }
        List<MemoryRegionSpec> specs = new ArrayList<>();
        for (int i = 0; i < nregions; i++) {
            specs.add(MemoryRegionSpec.read(msg, Message.MEM_REGIONS + i * Message.REGION_SIZE));
        }
        // Before any fd is taken: a refusal leaves them to serveOne, which closes them.
        admitMemory(Request.SET_MEM_TABLE, MemoryTable.sizeOf(specs));
        try {
            OwnedFd[] owned = new OwnedFd[(int) nregions];
            for (int i = 0; i < nregions; i++) {
                owned[i] = OwnedFd.adopt(platform, fds.take(i));
            }
            MemoryTable fresh = MemoryTable.map(platform, specs, owned);
            replaceMemory(fresh, true);
            logMemoryTable("memory table set", specs);
        } finally {
            settleMemory();
        }
    }

    /**
     * Checks that a memory table of {@code bytes} fits this session's limit and reserves its growth
     * from the shared budget; refuses the request (counted, logged) otherwise, with nothing mapped.
     * Counted is what the regions say, not what is resident: a sparse 127 TiB memfd costs no memory
     * but takes 127 TiB of the process's address space, which another front-end then cannot map.
     */
    private void admitMemory(Request request, long bytes) {
        if (bytes > config.maxGuestMemory()) {
            refuseMemory(request, bytes, "the limit of " + byteCount(config.maxGuestMemory()) + " per connection");
        }
        long growth = bytes - reservedBytes;
        if (growth > 0) {
            if (!budget.tryReserve(growth)) {
                refuseMemory(request, bytes, "the shared limit of " + byteCount(budget.limit()) + " for all connections ("
                        + byteCount(budget.reserved()) + " in use)");
            }
            reservedBytes = bytes;
        }
    }

    private void refuseMemory(Request request, long bytes, String limit) {
        counters.count(VhostUserCounter.REFUSED_MEMORY);
        warnings.of(SessionWarnings.Kind.REFUSED_MEMORY).warn("{}: refusing {}", name, request + " for " + byteCount(bytes) + " of guest memory: it exceeds " + limit);
        throw VhostUserException.rejected(request + " for " + byteCount(bytes) + " of guest memory exceeds " + limit);
    }

    /** Gives back to the budget what this session reserved beyond the memory table it now maps. */
    private void settleMemory() {
        long mapped = memory.mappedBytes();
        if (mapped < reservedBytes) {
            budget.release(reservedBytes - mapped);
            reservedBytes = mapped;
        }
    }

    private static String byteCount(long bytes) {
        if (bytes >= 1L << 30 && (bytes & ((1L << 30) - 1)) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20 && (bytes & ((1L << 20) - 1)) == 0) {
            return (bytes >> 20) + " MiB";
        }
        return bytes + " bytes";
    }

    /**
     * An INFO line for the operator, under this port's limit for {@code note}: a front-end that
     * repeats a request in a loop (SET_MEM_TABLE restarts every ring) must not flood the log. The
     * first line after suppressed ones says how many.
     */
    private void note(SessionWarnings.Note note, String format, Object... arguments) {
        warnings.of(note).info(format, arguments);
    }

    /** One line per memory table change: regions, their total and each region's guest range. */
    private void logMemoryTable(String what, List<MemoryRegionSpec> regions) {
        if (LOG.isInfoEnabled()) {
            long bytes = regions.stream().mapToLong(MemoryRegionSpec::size).sum();
            note(SessionWarnings.Note.MEMORY_TABLE, "{}: {}: {} region(s), {} MiB in the table ({} region(s)): {}", name,
                    what, regions.size(), bytes >> 20, memory.regionCount(), regions);
        }
    }

    /** Swaps in a new memory table: running rings stop, the old table's mappings go, rings restart. */
    private void replaceMemory(MemoryTable fresh, boolean closeOld) {
        if (!closeOld && fresh.memory() == memory.memory()) {
            // Only a reference count changed (a queue pair's ADD/REM_MEM_REG of a region another
            // pair mapped): the data path's memory is the same, so the rings keep running.
            memory = fresh;
            return;
        }
        stopRings();
        MemoryTable old = memory;
        memory = fresh;
        installDirtyLog();
        if (closeOld) {
            old.close();
        }
        startRings();
    }

    private void stopRings() {
        for (VringState r : rings) {
            stopRing(r);
        }
    }

    /**
     * Starts every ring that can run. Each gets its chance: one ring whose memory went must not keep
     * the others stopped; the first failure is thrown after all were tried.
     */
    private void startRings() {
        RuntimeException firstFailure = null;
        for (VringState r : rings) {
            try {
                maybeStart(r);
            } catch (VhostUserException | GuestMemoryException e) {
                if (firstFailure == null) {
                    firstFailure = e;
                }
            }
        }
        if (firstFailure != null) {
            throw firstFailure;
        }
    }

    private void addMemReg() {
        requireNegotiated(ProtocolFeature.CONFIGURE_MEM_SLOTS, Request.ADD_MEM_REG);
        MemoryRegionSpec spec = MemoryRegionSpec.read(msg, Message.SINGLE_REGION);
        if (memory.addsMapping(spec, fds.peek(0))) {
            // A new mapping (not a queue pair's duplicate of one mapped): checked before the fd is taken.
            long current = memory.mappedBytes();
            admitMemory(Request.ADD_MEM_REG, spec.size() > Long.MAX_VALUE - current ? Long.MAX_VALUE : current + spec.size());
        }
        try {
            MemoryTable fresh = memory.withAdded(spec, fds.take(0), config.maxMemSlots(), config.queuePairs());
            // The old table's mappings all live on in the new one: nothing to close.
            replaceMemory(fresh, false);
            logMemoryTable("memory region added", List.of(spec));
        } finally {
            settleMemory();
        }
    }

    private void remMemReg() {
        requireNegotiated(ProtocolFeature.CONFIGURE_MEM_SLOTS, Request.REM_MEM_REG);
        MemoryRegionSpec spec = MemoryRegionSpec.read(msg, Message.SINGLE_REGION);
        int index = memory.indexOf(spec);
        if (index < 0) {
            throw VhostUserException.rejected("REM_MEM_REG of a region that is not mapped: " + spec);
        }
        FdMapping[] removed = new FdMapping[1];
        MemoryTable fresh = memory.without(index, removed);
        try {
            replaceMemory(fresh, false);
        } finally {
            // The region is out of the table whether or not every ring restarts: no one else closes it.
            if (removed[0] != null) {
                removed[0].close();
            }
            settleMemory();
            logMemoryTable("memory region removed", List.of(spec));
        }
    }

    private void setLogBase() {
        requireNegotiated(ProtocolFeature.LOG_SHMFD, Request.SET_LOG_BASE);
        long size = msg.u64(Message.LOG_MMAP_SIZE);
        long offset = msg.u64(Message.LOG_MMAP_OFFSET);
        // FdMapping refuses offset + size overflow (DPDK CVE-2020-10722) and files shorter than that.
        if (size > MAX_LOG_BYTES) {
            throw VhostUserException.rejected("dirty log of " + Long.toUnsignedString(size) + " bytes exceeds " + MAX_LOG_BYTES);
        }
        FdMapping fresh = FdMapping.map(platform, fds.take(0), offset, size);
        // Rings stop while the log changes: the data path never marks a log being unmapped.
        stopRings();
        FdMapping old = dirtyLogMapping;
        dirtyLogMapping = fresh;
        dirtyLog = new DirtyBitmap(fresh.region());
        installDirtyLog();
        if (old != null) {
            old.close();
        }
        startRings();
        msg.header(Request.SET_LOG_BASE.id(), Message.VERSION | Message.REPLY, 0);
        socket.send(msg.buffer(), Message.HEADER_SIZE);
    }

    private void setVringNum() {
        VringState ring = ring(msg.u32(Message.STATE_INDEX));
        int num = msg.u32(Message.STATE_NUM);
        // A packed ring may have any size up to 32768 (spec 2.8), a split ring's is a power of two
        // (2.7). Front-ends set the features before the rings (QEMU, DPDK's virtio-user), so the
        // size is judged by the ring kind negotiated now, as DPDK's vhost_user_set_vring_num
        // does; a ring whose kind changes after this is judged again by the ring layer at start.
        boolean packed = packedRings();
        if (num <= 0 || num > VringState.MAX_SIZE || !packed && Integer.bitCount(num) != 1) {
            throw VhostUserException.rejected("queue size " + Integer.toUnsignedString(num)
                    + (packed ? " is not in 1..32768" : " is not a power of two in 1..32768 (split rings)"));
        }
        ring.size(num);
    }

    private void setVringAddr() {
        VringState ring = ring(msg.u32(Message.ADDR_INDEX));
        if (ring.size() == 0) {
            throw VhostUserException.rejected("SET_VRING_ADDR for ring " + ring.index() + " before SET_VRING_NUM");
        }
        // flags (VHOST_VRING_F_LOG) and log_guest_addr are not kept: while logging, the data path
        // marks buffer writes through guest memory's dirty log and used-ring writes at the used
        // ring's guest address (ActiveQueue), which is what QEMU puts in log_guest_addr.
        ring.userAddresses(msg.u64(Message.ADDR_DESC), msg.u64(Message.ADDR_AVAIL), msg.u64(Message.ADDR_USED));
        if (memory.memory() != null) {
            translate(ring);
        }
        maybeStart(ring);
    }

    /** Checks the ring lies wholly inside guest memory and records its guest-physical addresses. */
    private void translate(VringState ring) {
        long n = ring.size();
        long desc = ringPart(ring.userDesc(), 16 * n, 16, "descriptor table", ring);
        long avail;
        long used;
        if (packedRings()) {
            // Spec 2.8.10.1: the driver and device event suppression structures, 4 bytes each, 4-aligned.
            avail = ringPart(ring.userAvail(), QueueLayout.EVENT_SUPPRESSION_BYTES, 4, "driver event suppression", ring);
            used = ringPart(ring.userUsed(), QueueLayout.EVENT_SUPPRESSION_BYTES, 4, "device event suppression", ring);
        } else {
            avail = ringPart(ring.userAvail(), 6 + 2 * n, 2, "avail ring", ring);
            used = ringPart(ring.userUsed(), 6 + 8 * n, 4, "used ring", ring);
        }
        ring.guestAddresses(desc, avail, used);
    }

    /** Whether the front-end set VIRTIO_F_RING_PACKED: every ring of the session is then packed. */
    private boolean packedRings() {
        return (features & BackendConfig.VIRTIO_F_RING_PACKED) != 0;
    }

    private long ringPart(long userAddress, long length, int alignment, String what, VringState ring) {
        if ((userAddress & (alignment - 1)) != 0) {
            throw VhostUserException.rejected("ring " + ring.index() + " " + what + " at 0x"
                    + Long.toHexString(userAddress) + " is not " + alignment + "-byte aligned");
        }
        long guest = memory.userToGuest(userAddress, length);
        // Belt and braces: the guest range must also be mapped in the GuestMemory the data path uses.
        memory.memory().slice(guest, length);
        return guest;
    }

    private void getVringBase() {
        VringState ring = ring(msg.u32(Message.STATE_INDEX));
        stopRing(ring);
        ring.stop();
        msg.header(Request.GET_VRING_BASE.id(), Message.VERSION | Message.REPLY, Message.VRING_STATE_SIZE)
                .u32(Message.STATE_INDEX, ring.index())
                .u32(Message.STATE_NUM, ring.base());
        socket.send(msg.buffer(), msg.totalLength());
    }

    private void setVringFd(Request request) {
        long payload = msg.u64(0);
        long unknownBits = payload & ~(VRING_INDEX_MASK | VRING_NOFD);
        if (unknownBits != 0) {
            throw VhostUserException.rejected(request + " payload 0x" + Long.toHexString(payload) + " has unknown bits");
        }
        VringState ring = ring((int) (payload & VRING_INDEX_MASK));
        boolean noFd = (payload & VRING_NOFD) != 0;
        if (noFd == (fds.count() == 1)) {
            throw VhostUserException.rejected(request + ": NOFD flag " + noFd + " but " + fds.count() + " fds");
        }
        if (!noFd && !EventFds.isEventfd(fds.peek(0))) {
            // A pipe or socket as a call fd can block the write that signals it; as a kick fd it is
            // not what the data path waits on. Refused (the finally of serveOne closes it).
            counters.count(VhostUserCounter.REFUSED_FDS);
            warnings.of(SessionWarnings.Kind.REFUSED_FD).warn("{}: refusing a non-eventfd fd: {}", name, request + " for ring " + ring.index());
            throw VhostUserException.rejected(request + " for ring " + ring.index() + " carries an fd that is not an eventfd");
        }
        int fd = noFd ? -1 : fds.take(0);
        switch (request) {
            case SET_VRING_KICK -> {
                stopRing(ring);
                ring.kick(fd);
                maybeStart(ring);
            }
            case SET_VRING_CALL -> {
                // Stop first: the data path must never signal an fd that is being closed.
                boolean wasRunning = ring.running();
                stopRing(ring);
                ring.call(fd);
                if (wasRunning) {
                    maybeStart(ring);
                }
            }
            default -> ring.err(fd);
        }
    }

    private void setVringEnable() {
        VringState ring = ring(msg.u32(Message.STATE_INDEX));
        int enable = msg.u32(Message.STATE_NUM);
        if (enable != 0 && enable != 1) {
            throw VhostUserException.rejected("SET_VRING_ENABLE with " + Integer.toUnsignedString(enable));
        }
        // QEMU 7.2's virtio-net enables its rings (queue attach) before it sends SET_FEATURES and
        // does not repeat it after; DPDK's vhost library records the state at any time. So the
        // request is refused only when PROTOCOL_FEATURES was not offered, or features were set
        // without it (every ring is then enabled by definition).
        boolean protocolFeaturesOffered = (config.offeredFeatures() & ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES) != 0;
        if (!protocolFeaturesOffered || (featuresSet && !protocolFeaturesOn())) {
            throw VhostUserException.rejected("SET_VRING_ENABLE without VHOST_USER_F_PROTOCOL_FEATURES");
        }
        ring.enabled(enable == 1);
        if (enable == 0) {
            stopRing(ring);
        } else {
            maybeStart(ring);
        }
    }

    private void sendRarp() {
        requireNegotiated(ProtocolFeature.RARP, Request.SEND_RARP);
        byte[] mac = new byte[6];
        for (int i = 0; i < mac.length; i++) {
            // The MAC is the first six bytes of the u64 payload, in wire order.
            mac[i] = msg.u8(i);
        }
        listener.announce(mac);
    }

    private void setMtu() {
        requireNegotiated(ProtocolFeature.MTU, Request.NET_SET_MTU);
        long value = msg.u64(0);
        if (value < MIN_MTU || value > MAX_MTU) {
            throw VhostUserException.rejected("MTU " + Long.toUnsignedString(value) + " outside " + MIN_MTU + ".." + MAX_MTU);
        }
        mtu = (int) value;
    }

    private void setStatus() {
        requireNegotiated(ProtocolFeature.STATUS, Request.SET_STATUS);
        long value = msg.u64(0);
        if (value < 0 || value > 0xFF) {
            throw VhostUserException.rejected("device status 0x" + Long.toHexString(value) + " is wider than 8 bits");
        }
        status = (int) value;
    }

    /** Starts a ring once it has everything it needs and is allowed to run. */
    private void maybeStart(VringState ring) {
        boolean enabled = ring.enabled() || !protocolFeaturesOn();
        if (ring.running() || !ring.kickReceived() || !ring.addressesSet() || !enabled || memory.memory() == null) {
            return;
        }
        // A file shrunk under a mapping would fault on the first touch below (and then in the data
        // path): refuse the ring and drop the connection now. A shrink after this check is caught
        // where it faults (run() on this thread, GuestMemoryFaults for the data path).
        if (!mappingsIntact()) {
            memoryFault("found before starting ring " + ring.index());
            throw VhostUserException.fatal("guest memory shrank under its mapping; ring " + ring.index() + " cannot start");
        }
        translate(ring);
        restoreBaseFromUsedRing(ring);
        ring.dirtyLog(logging() ? dirtyLog : null);
        if (ring.callFd() >= 0) {
            calls.attach(ring.index(), ring.callFd());
        }
        boolean started = false;
        try {
            listener.ringStarted(ring, memory.memory(), features);
            started = true;
        } catch (VirtqueueException e) {
            throw VhostUserException.rejected("ring " + ring.index() + " cannot start: " + e.getMessage());
        } finally {
            if (!started) {
                calls.detach(ring.index());
            }
        }
        ring.running(true);
        note(SessionWarnings.Note.RING_STARTED, "{}: ring {} started ({} descriptors, base {})", name, ring.index(), ring.size(),
                ring.base());
    }

    /**
     * Base 0 for a ring whose used index in guest memory is not 0 comes from a front-end that lost
     * the ring state: DPDK's virtio-user sends 0 to every back-end that reconnects to it, whatever
     * its rings did. Popping from 0 would re-walk (or run away over) chains the driver already got
     * back, so the ring resumes where its used index says the previous back-end stopped, as DPDK's
     * vhost library does ("last_used_idx mismatches"): TX chains in flight are sent again, RX
     * buffers in flight stay unused. Any other base is the front-end's word (SET_VRING_BASE is
     * authoritative; after our GET_VRING_BASE the two agree anyway, since a ring completes every
     * chain it popped before it stops). In bounds: translate() proved the used ring, and so its
     * idx field at offset 2, lies in one region.
     */
    private void restoreBaseFromUsedRing(VringState ring) {
        if (packedRings()) {
            // A packed ring has no used index in memory; its base carries the wrap counter (bit 15)
            // and is the front-end's word. DPDK's virtio_user and QEMU send 0x8000 for a new ring.
            return;
        }
        int usedIdx = Short.toUnsignedInt(memory.memory().readShort(ring.usedAddress() + 2));
        if (ring.base() == 0 && usedIdx != 0) {
            counters.count(VhostUserCounter.RING_RESTORES);
            warnings.of(SessionWarnings.Kind.RESUMED).warn("{}: base 0 from a front-end without ring state; resuming from the"
                    + " used index in guest memory: {}", name, "ring " + ring.index() + " at " + usedIdx);
            ring.base(usedIdx);
        }
    }

    /** Stops a running ring and records where the data path stopped. */
    private void stopRing(VringState ring) {
        if (ring.running()) {
            ring.base(listener.ringStopped(ring));
            ring.running(false);
            note(SessionWarnings.Note.RING_STOPPED, "{}: ring {} stopped at {}", name, ring.index(), ring.base());
            // The data path no longer signals this ring: the signaller drops its duplicate.
            calls.detach(ring.index());
        }
    }

    private VringState ring(int index) {
        if (index < 0 || index >= rings.length) {
            throw VhostUserException.rejected("ring index " + Integer.toUnsignedString(index) + " out of range 0.." + (rings.length - 1));
        }
        return rings[index];
    }

    private VringState stoppedRing(int index) {
        VringState ring = ring(index);
        if (ring.running()) {
            throw VhostUserException.rejected("ring " + index + " is running; stop it with GET_VRING_BASE first");
        }
        return ring;
    }

    /**
     * The position a ring starts from. Split: a 16-bit avail index. Packed: the avail position
     * (slot, wrap counter in bit 15) in the low half; QEMU puts its used position in the high half
     * (avail | used << 16), which is ignored as DPDK's vhost library does: a ring resumes with
     * every popped chain returned, so the used position equals the avail one.
     */
    private int ringBase(int num) {
        return packedRings() ? num & 0xFFFF : checkBase(num);
    }

    private static int checkBase(int base) {
        if (base < 0 || base > 0xFFFF) {
            throw VhostUserException.rejected("ring base " + Integer.toUnsignedString(base) + " is not a 16-bit index");
        }
        return base;
    }

    private boolean protocolFeaturesOn() {
        return (features & ProtocolFeature.VHOST_USER_F_PROTOCOL_FEATURES) != 0;
    }

    private boolean negotiated(int protocolFeature) {
        return protocolFeaturesOn() && (protocolFeatures & ProtocolFeature.mask(protocolFeature)) != 0;
    }

    private void requireNegotiated(int protocolFeature, Request request) {
        if (!negotiated(protocolFeature)) {
            throw VhostUserException.rejected(request + " needs protocol feature " + protocolFeature + ", not negotiated");
        }
    }

    /** Sends a reply carrying a u64. */
    private void reply(int request, long value) {
        msg.header(request, Message.VERSION | Message.REPLY, Message.U64_SIZE).u64(0, value);
        socket.send(msg.buffer(), msg.totalLength());
    }

    /** Negotiated virtio features (valid once SET_FEATURES arrived). */
    public long features() {
        return features;
    }

    /** Whether the front-end has sent SET_FEATURES. */
    public boolean featuresSet() {
        return featuresSet;
    }

    /** The protocol features the front-end acknowledged with SET_PROTOCOL_FEATURES (0 before). */
    public long protocolFeatures() {
        return protocolFeatures;
    }

    /** Whether the front-end has sent SET_OWNER (and not RESET_OWNER since). */
    public boolean owned() {
        return owned;
    }

    /** MTU set by NET_SET_MTU, 0 if none. */
    public int mtu() {
        return mtu;
    }

    /** Device status set by SET_STATUS. */
    public int status() {
        return status;
    }

    /** The current guest memory, or null before SET_MEM_TABLE. */
    public GuestMemory memory() {
        return memory.memory();
    }

    /** Ring {@code index}. */
    public VringState vring(int index) {
        return rings[index];
    }

    /** Wakes {@link #run} from another thread; it then releases everything and returns. */
    public void shutdown() {
        socket.shutdown();
    }

    /** Stops every ring, closes every fd and mapping, closes the socket. Idempotent. */
    @Override
    public void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        for (VringState r : rings) {
            stopRing(r);
            r.reset();
        }
        // After every ring stopped: releases a write the front-end made block, closes the duplicates.
        calls.close();
        memory.close();
        memory = MemoryTable.empty(platform);
        settleMemory();
        if (dirtyLogMapping != null) {
            dirtyLogMapping.close();
            dirtyLogMapping = null;
            dirtyLog = null;
        }
        fds.closeAll();
        socket.close();
        counters.count(VhostUserCounter.SESSIONS_ENDED);
        arena.close();
    }
}
