package io.virtio4j.samples.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.virtio4j.samples.testing.CapturedOutput;
import io.virtio4j.testing.KvmHostOrGuest;
import io.virtio4j.testing.NeedsKernel;

/**
 * {@code ./virtio4j sample-kvm}: on the host's /dev/kvm, or, when the host has none, inside a QEMU
 * guest with KVM of its own ({@link KvmHostOrGuest}).
 */
@NeedsKernel
@ExtendWith(KvmHostOrGuest.class)
class KvmWiringTest {
    @Test
    void everyQueueKickBecomesAnIoeventfdAndTheInterruptAnIrqfdThatKvmConsumes() throws Exception {
        CapturedOutput.warmUpJdkFds();
        long fds = CapturedOutput.openFds();
        String out = CapturedOutput.of(() -> assertEquals(0, KvmWiring.run(new String[0], System.out)));
        // One pair and the control queue: RX 0, TX 1, control 2, each on QueueNotify (base + 0x50) with its own datamatch.
        for (int q = 0; q <= 2; q++) {
            assertTrue(out.matches("(?s).*queue " + q + ": kick eventfd \\d+ -> ioeventfd on MMIO 0xd0000050, datamatch " + q + "\\n.*"), out);
        }
        assertTrue(out.contains("-> irqfd on GSI 5"), out);
        assertTrue(out.contains("KVM consumed it at once (it injected GSI 5)"), out);
        assertTrue(out.contains("bindings deassigned"), out);
        CapturedOutput.awaitFds(fds);
    }
}
