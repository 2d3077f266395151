package io.virtio4j.ovs.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.notify.EpollPoller;
import io.virtio4j.ovs.VirtualSwitch;
import io.virtio4j.ovs.model.PortSpec;
import io.virtio4j.ovs.model.PortType;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.port.DropCounters;
import io.virtio4j.ovs.port.Frame;
import io.virtio4j.ovs.port.FrameReceiver;
import io.virtio4j.ovs.port.HostFrame;
import io.virtio4j.ovs.port.PortCounters;
import io.virtio4j.ovs.port.SwitchPort;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/**
 * A receive burst that fails part way (the port throws after handing over frames): the frames
 * already switched are counted and their destination flushed before the failure reaches the PMD,
 * not left unpublished in the destination's ring until some later burst.
 */
class FrameExecutorBurstFailureTest {
    /** A port that records its transmits and flushes; as a source it hands over {@code frames} and then throws. */
    private static final class ScriptedPort implements SwitchPort {
        private final PortSpec spec;
        private final HostFrame frame = new HostFrame();
        private final MemorySegment bytes = Arena.ofAuto().allocate(60);
        private final int frames;
        private final RuntimeException failure;
        int transmitted;
        int flushes;

        ScriptedPort(String name, int frames, RuntimeException failure) {
            this.spec = PortSpec.access(name, PortType.IN_PROCESS, name, 10);
            this.frames = frames;
            this.failure = failure;
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
        public int receive(FrameReceiver receiver, int max) {
            for (int i = 0; i < frames; i++) {
                receiver.frame(frame.set(bytes, 0, bytes.byteSize()));
            }
            if (failure != null) {
                throw failure;
            }
            return frames;
        }

        @Override
        public boolean transmit(Frame source, MemorySegment head, int headLength, long resume) {
            transmitted++;
            return true;
        }

        @Override
        public void flush() {
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

    /** Sends every frame to port 1 on VLAN 10. */
    private static final FramePipeline TO_PORT_1 = (inPort, header, headerLength, frameLength, now, verdict) -> {
        verdict.egressVlan(10);
        verdict.addOutput(1);
    };

    @Test
    void framesSwitchedBeforeAPortFailureAreCountedAndFlushed() {
        CountersManager manager = VirtualSwitch.inMemoryCounters(64);
        IllegalStateException failure = new IllegalStateException("port broke mid-burst");
        ScriptedPort source = new ScriptedPort("a", 3, failure);
        ScriptedPort destination = new ScriptedPort("b", 0, null);
        try (PortCounters a = new PortCounters(manager, "a"); PortCounters b = new PortCounters(manager, "b");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID)) {
            FrameExecutor executor = new FrameExecutor(new SwitchPort[] {source, destination},
                    new PortCounters[] {a, b}, TO_PORT_1, drops);

            assertSame(failure, assertThrows(IllegalStateException.class, () -> executor.poll(0, System.nanoTime())));

            assertEquals(3, destination.transmitted);
            assertEquals(1, destination.flushes, "the destination's ring is published once for the burst");
            assertEquals(3, a.snapshot().rxFrames());
            assertEquals(180, a.snapshot().rxBytes());
            assertEquals(3, b.snapshot().txFrames());
            assertEquals(180, b.snapshot().txBytes());
        }
    }

    @Test
    void aBurstThatSucceedsCountsWhatTheReceiverSaw() {
        CountersManager manager = VirtualSwitch.inMemoryCounters(64);
        ScriptedPort source = new ScriptedPort("a", 2, null);
        ScriptedPort destination = new ScriptedPort("b", 0, null);
        try (PortCounters a = new PortCounters(manager, "a"); PortCounters b = new PortCounters(manager, "b");
             DropCounters drops = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID)) {
            FrameExecutor executor = new FrameExecutor(new SwitchPort[] {source, destination},
                    new PortCounters[] {a, b}, TO_PORT_1, drops);

            assertEquals(2, executor.poll(0, System.nanoTime()));
            assertEquals(1, destination.flushes);
            assertEquals(2, a.snapshot().rxFrames());
            assertEquals(120, a.snapshot().rxBytes());
            assertEquals(2, b.snapshot().txFrames());
        }
    }
}
