package io.virtio4j.ovs.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.port.FrameBatch;
import io.virtio4j.ovs.port.HostFrame;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.port.TxBatch;

/**
 * A test port on VLAN 10 that records its transmits and flushes; as a source it hands over
 * {@code frames} 60-byte frames and then throws {@code failure} (if not null).
 */
public final class ScriptedPort implements SwitchPort {
    private final PortSpec spec;
    private final HostFrame frame = new HostFrame();
    private final MemorySegment bytes = Arena.ofAuto().allocate(60);
    private final int frames;
    private final RuntimeException failure;
    public int transmitted;
    public int flushes;
    public int releases;

    public ScriptedPort(String name, int frames, RuntimeException failure) {
        this.spec = PortSpec.access(name, PortType.IN_PROCESS, name, 10);
        this.frames = frames;
        this.failure = failure;
    }

    /** A pipeline that sends every frame to port {@code out} on VLAN 10. */
    public static FramePipeline pipelineTo(int out) {
        return (inPort, header, headerLength, frameLength, now, verdict) -> {
            verdict.egressVlan(10);
            verdict.addOutput(out);
        };
    }

    @Override
    public PortSpec spec() {
        return spec;
    }

    @Override
    public boolean connected() {
        return true;
    }

    @Override
    public int receive(FrameBatch batch) {
        for (int i = 0; i < frames; i++) {
            batch.add(frame.set(bytes, 0, bytes.byteSize()));
        }
        if (failure != null) {
            throw failure;
        }
        return frames;
    }

    @Override
    public void release() {
        releases++;
    }

    /** Sends everything: each call is one burst's publish. */
    @Override
    public void transmit(TxBatch batch) {
        for (int i = 0; i < batch.count(); i++) {
            batch.sent(i);
        }
        transmitted += batch.count();
        flushes++;
    }

    @Override
    public void syncWakeups(EpollPoller poller, int tokenBase) {
    }

    @Override
    public boolean enableWakeups() {
        return false;
    }

    @Override
    public void disableWakeups() {
    }

    @Override
    public void close() {
    }
}
