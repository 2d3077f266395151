package io.virtio4j.samples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.packet.Checksum;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.Ipv4Header;
import io.virtio4j.spi.net.MacAddress;

class SequencedFramesTest {
    private final byte[] frame = SequencedFrames.template(64, MacAddress.parse("02:00:00:00:00:01"), MacAddress.parse("02:00:00:00:00:02"),
            Ipv4.parse("10.0.1.11"), Ipv4.parse("10.0.1.12"));

    @Test
    void aStampedSequenceReadsBackAndTheHeadersAreValid() {
        SequencedFrames.stamp(frame, 0x1234_5678_9abcL);
        assertEquals(0x1234_5678_9abcL, SequencedFrames.sequence(MemorySegment.ofArray(frame), frame.length));
        assertEquals(true, Checksum.verify(MemorySegment.ofArray(frame), Ethernet.HEADER_LENGTH, Ipv4Header.MIN_LENGTH));
    }

    @Test
    void anAlteredOrCutFrameHasNoSequence() {
        SequencedFrames.stamp(frame, 42);
        frame[frame.length - 1] ^= 1;
        assertEquals(-1, SequencedFrames.sequence(MemorySegment.ofArray(frame), frame.length), "trailer changed");
        frame[frame.length - 1] ^= 1;
        assertEquals(-1, SequencedFrames.sequence(MemorySegment.ofArray(frame), frame.length - 1), "cut by a byte");
        assertEquals(-1, SequencedFrames.sequence(MemorySegment.ofArray(frame), SequencedFrames.MIN_LENGTH - 1), "too short");
        assertEquals(-1, SequencedFrames.sequence(MemorySegment.ofArray(frame), frame.length + 1), "longer than the buffer");
    }

    @Test
    void lengthsOutsideAnEthernetFrameAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SequencedFrames.template(SequencedFrames.MIN_LENGTH - 1, 2, 4, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> SequencedFrames.template(1515, 2, 4, 1, 2));
    }
}
