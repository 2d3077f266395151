package io.virtio4j.ovs.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

import io.virtio4j.api.memory.GuestMemoryException;
import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.offload.FrameSink;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A port whose other end is Java code in this process (tests): {@link #inject} queues a
 * frame for the switch, {@link #take} returns the next frame the switch sent here. Both directions
 * are Agrona many-to-one ring buffers over direct memory. The ring frees a message as soon as its
 * read returns, so a burst's injected frames are copied into the port's burst buffers to stay
 * valid until the burst is released (the in-process side's price; guest and TAP frames are not
 * copied on receive); frames the switch sends are copied straight into a claimed slot. Nothing is
 * allocated on the switch's side. An eventfd signalled on inject wakes a sleeping PMD.
 */
public final class InProcessPort implements SwitchPort {
    private static final int MSG_FRAME = 1;
    /** Ring bytes per direction: room for hundreds of full-size frames. */
    private static final int RING_BYTES = 1 << 21;

    private final PortSpec spec;
    private final RingBuffer inbound;
    private final MemorySegment inboundMemory;
    private final RingBuffer outbound;
    private final MemorySegment outboundMemory;
    private final EventfdNotifier injected = EventfdNotifier.create();
    /** A burst's copies of injected frames, one buffer and frame per batch slot. */
    private final MemorySegment[] burstBuffers = new MemorySegment[FrameBatch.SIZE];
    private final HostFrame[] frames = new HostFrame[FrameBatch.SIZE];
    private final MessageHandler inboundHandler;
    /** Where the software offload puts the complete frames it makes: this port's own single-frame send. */
    private final FrameSink sink = (target, frame, head, headLength, resume) -> transmit(frame, head, headLength, resume);
    private FrameBatch batch;
    private boolean registered;
    private volatile boolean closed;

    /**
     * A port named by {@code spec} with both rings and its wake-up eventfd allocated; frames flow as
     * soon as the switch polls it. {@link #close} frees the eventfd.
     */
    public InProcessPort(PortSpec spec) {
        this.spec = spec;
        ByteBuffer in = ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH);
        ByteBuffer out = ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH);
        this.inbound = new ManyToOneRingBuffer(new UnsafeBuffer(in));
        this.outbound = new ManyToOneRingBuffer(new UnsafeBuffer(out));
        // Views of the same direct memory, so frames are read and written in place by offset.
        this.inboundMemory = MemorySegment.ofBuffer(in);
        this.outboundMemory = MemorySegment.ofBuffer(out);
        Arena arena = Arena.ofAuto();
        for (int i = 0; i < FrameBatch.SIZE; i++) {
            burstBuffers[i] = arena.allocate(MAX_FRAME, 8);
            frames[i] = new HostFrame();
        }
        this.inboundHandler = (type, buffer, index, length) -> {
            int slot = batch.count();
            // In bounds: inject() refuses frames longer than MAX_FRAME, the burst buffer's size;
            // the ring hands out [index, index + length) of its own memory.
            MemorySegment.copy(inboundMemory, index, burstBuffers[slot], 0, length);
            batch.add(frames[slot].set(burstBuffers[slot], 0, length));
        };
    }

    @Override
    public PortSpec spec() {
        return spec;
    }

    @Override
    public boolean connected() {
        return !closed;
    }

    private final org.agrona.concurrent.MessageHandler skipHandler = (type, buffer, index, length) -> { };

    /** Queues {@code frame} for the switch; false when the ring is full or the frame is too big. Any thread. */
    public boolean inject(byte[] bytes) {
        if (closed || bytes.length > MAX_FRAME || bytes.length > inbound.maxMsgLength()) {
            return false;
        }
        int index = inbound.tryClaim(MSG_FRAME, bytes.length);
        if (index < 0) {
            return false;
        }
        // In bounds: the claim reserved bytes.length bytes at index inside the ring's memory.
        MemorySegment.copy(bytes, 0, inboundMemory, ValueLayout.JAVA_BYTE, index, bytes.length);
        inbound.commit(index);
        injected.signal();
        return true;
    }

    /** The next frame the switch sent to this port, or null. Any one thread. */
    public byte[] take() {
        byte[][] got = new byte[1][];
        outbound.read((type, buffer, index, length) -> {
            // In bounds: the ring hands out [index, index + length) of its own memory.
            got[0] = outboundMemory.asSlice(index, length).toArray(ValueLayout.JAVA_BYTE);
        }, 1);
        return got[0];
    }

    /**
     * Drops up to {@code max} frames the switch sent to this port and returns how many: a sink for
     * tests and benchmarks that must not allocate per frame ({@link #take()} copies each into an array).
     */
    public int skip(int max) {
        return outbound.read(skipHandler, max);
    }

    @Override
    public int receive(FrameBatch target) {
        batch = target;
        return inbound.read(inboundHandler, target.room());
    }

    @Override
    public void transmit(TxBatch batch) {
        for (int i = 0; i < batch.count(); i++) {
            batch.send(i, sink);
        }
    }

    private boolean transmit(Frame source, MemorySegment head, int headLength, long resume) {
        long length = headLength + source.length() - resume;
        if (closed || length > outbound.maxMsgLength()) {
            return false;
        }
        int index = outbound.tryClaim(MSG_FRAME, (int) length);
        if (index < 0) {
            return false;
        }
        try {
            // In bounds: the claim reserved length = headLength + (frame length - resume) bytes at index.
            MemorySegment.copy(head, 0, outboundMemory, index, headLength);
            source.read(resume, outboundMemory, index + headLength, source.length() - resume);
        } catch (RuntimeException e) {
            // A claim left uncommitted would stop the reader at it for good: give the slot back.
            outbound.abort(index);
            if (e instanceof GuestMemoryException) {
                // The source guest remapped its memory under the frame: this frame is lost, not the port.
                return false;
            }
            throw e;
        }
        outbound.commit(index);
        return true;
    }

    @Override
    public void syncWakeups(EpollPoller poller, int tokenBase) {
        if (!registered) {
            poller.registerFd(injected.fd(), tokenBase, LinuxConstants.EPOLLIN | LinuxConstants.EPOLLET);
            registered = true;
        }
    }

    @Override
    public void resetWakeups() {
        registered = false;
    }

    @Override
    public boolean enableWakeups() {
        return inbound.size() > 0;
    }

    @Override
    public void disableWakeups() {
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            injected.close();
        }
    }
}
