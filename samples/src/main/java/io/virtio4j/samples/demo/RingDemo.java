package io.virtio4j.samples.demo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.virtio4j.api.memory.MemfdGuestMemory;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.queue.QueueLayout;
import io.virtio4j.vring.ChainError;
import io.virtio4j.vring.DeviceQueue;

/**
 * {@code ./virtio4j ring-demo}: a guest driver and our device exchange frames over split virtqueues in
 * shared memory, signalling each other through eventfds as KVM's ioeventfd and irqfd would. Each
 * step prints the seed concept it shows.
 */
public final class RingDemo {
    private static final int QUEUE_SIZE = 256;
    private static final long MIB = 1 << 20;

    private RingDemo() {
    }

    /** Runs the demo; {@code --seconds N} sets the throughput run (default 5). */
    public static int run(String[] args) throws InterruptedException {
        int seconds = 5;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--seconds") && i + 1 < args.length) {
                seconds = Integer.parseInt(args[++i]);
            } else {
                System.err.println("usage: ./virtio4j ring-demo [--seconds N]");
                return 2;
            }
        }
        new Session().run(seconds);
        return 0;
    }

    /** One demo run: the memory, the notifiers, the guest, the device thread. */
    private static final class Session {
        // Guest-physical layout: two 4 MiB regions (as a VM with two memory slots); rings in the
        // first, TX buffers in the first, RX buffers in the second.
        private final MemfdGuestMemory shared = MemfdGuestMemory.create(io.virtio4j.api.platform.Platform.linux(), "virtio4j-demo",
                List.of(new MemfdGuestMemory.Range(0, 4 * MIB), new MemfdGuestMemory.Range(4 * MIB, 4 * MIB)));
        private final QueueLayout rxLayout = QueueLayout.contiguous(QUEUE_SIZE, 0x1000, true, false);
        private final QueueLayout txLayout = QueueLayout.contiguous(QUEUE_SIZE, 0x10000, true, false);
        private final EventfdNotifier txKick = EventfdNotifier.create();
        private final EventfdNotifier rxKick = EventfdNotifier.create();
        private final EventfdNotifier call = EventfdNotifier.create();
        private final MemorySegment frame = Arena.ofAuto().allocate(DemoGuest.BUFFER);

        void run(int seconds) throws InterruptedException {
            System.out.println("virtio4j ring-demo: a guest driver and a virtio-net device over split virtqueues (virtio 1.2 section 2.7)");
            System.out.printf("  guest memory: %s, memfd-backed so it could be shared with a vhost peer%n", shared.memory());
            System.out.println("  [seed 1] frontend and backend share memory: the driver posts buffers on the avail ring, the device returns them on the used ring");
            System.out.println("  [seed 3] kicks (driver->device) and interrupts (device->driver) travel on eventfds, as ioeventfd and irqfd do under KVM");
            LoopbackDevice device = new LoopbackDevice(shared.memory(), txLayout, rxLayout, txKick, rxKick, call);
            Thread deviceThread = Thread.ofPlatform().name("virtio4j-device").start(device);
            try (DemoGuest guest = new DemoGuest(shared.memory(), txLayout, rxLayout, 0x100000, 4 * MIB, txKick, rxKick, call)) {
                exchangeFrames(guest);
                hostileChain(guest, device.txQueue());
                throughput(guest, seconds);
            } finally {
                device.stop();
                deviceThread.join();
                txKick.close();
                rxKick.close();
                call.close();
                shared.close();
            }
            summary(device);
        }

        private void exchangeFrames(DemoGuest guest) {
            System.out.println();
            System.out.println("step 1  [seed 2] TX: the guest transmits; the device pops the chain and copies it once, guest buffer to guest buffer, into an RX chain");
            int[] sizes = {42, 98, 1514};
            String[] names = {"ARP request", "ICMP echo", "full-size frame"};
            for (int i = 0; i < sizes.length; i++) {
                fill(frame, sizes[i], i + 1);
                guest.queueFrame(frame, sizes[i]);
                guest.flushTx();
                long start = System.nanoTime();
                int[] got = {-1};
                MemorySegment expected = Arena.ofAuto().allocate(sizes[i]);
                MemorySegment.copy(frame, 0, expected, 0, sizes[i]);
                while (got[0] < 0) {
                    if (guest.receive((f, len) -> got[0] = len == expected.byteSize()
                            && f.asSlice(0, len).mismatch(expected) == -1 ? len : -2) == 0) {
                        guest.awaitInterrupt(100);
                    }
                    if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(5)) {
                        throw new IllegalStateException("frame " + i + " did not come back");
                    }
                }
                guest.reclaimTx();
                if (got[0] < 0) {
                    throw new IllegalStateException("frame " + i + " came back altered");
                }
                System.out.printf("        %-16s %5d bytes sent, %5d bytes received intact in %6.1f us%n",
                        names[i], sizes[i], got[0], (System.nanoTime() - start) / 1e3);
            }
        }

        private void hostileChain(DemoGuest guest, DeviceQueue deviceTx) {
            System.out.println();
            System.out.println("step 2  a guest is hostile: it posts a buffer at 0x7fff00000000, outside its memory");
            long before = deviceTx.counters().errors(ChainError.BUFFER_UNMAPPED);
            guest.queueRaw(0x7fff_0000_0000L, 64);
            guest.flushTx();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (guest.reclaimTx() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            long after = deviceTx.counters().errors(ChainError.BUFFER_UNMAPPED);
            System.out.printf("        the device refused it before touching memory: returned with length 0, BUFFER_UNMAPPED %d -> %d, queue broken: %s%n",
                    before, after, deviceTx.isBroken());
        }

        private void throughput(DemoGuest guest, int seconds) {
            System.out.println();
            System.out.printf("step 3  throughput for %d s: 64-byte frames in bursts, one used-index publish per burst, kicks and interrupts only when asked for%n", seconds);
            int frameLength = 64;
            fill(frame, frameLength, 0);
            int[] expectedSeq = {0};
            long[] received = {0};
            long[] misordered = {0};
            // Created once, outside the loop: the run itself allocates nothing per frame.
            DemoGuest.Receiver checker = (f, len) -> {
                if (len != frameLength || DemoGuest.sequence(f, 14) != expectedSeq[0]) {
                    misordered[0]++;
                }
                expectedSeq[0] = DemoGuest.sequence(f, 14) + 1;
                received[0]++;
            };
            int seq = 0;
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long nextReport = start + TimeUnit.SECONDS.toNanos(1);
            long lastReceived = 0;
            long lastReport = start;
            while (System.nanoTime() < end) {
                guest.reclaimTx();
                int queued = 0;
                while (guest.txFree() > 0 && queued < LoopbackDevice.BURST) {
                    frame.set(ValueLayout.JAVA_INT_UNALIGNED, 14, seq++);
                    guest.queueFrame(frame, frameLength);
                    queued++;
                }
                if (queued > 0) {
                    guest.flushTx();
                }
                int got = guest.receive(checker);
                if (got == 0 && queued == 0) {
                    guest.awaitInterrupt(10);
                }
                long now = System.nanoTime();
                if (now >= nextReport) {
                    double mpps = (received[0] - lastReceived) / ((now - lastReport) / 1e3);
                    System.out.printf("\r        %5.1f s  %6.2f Mpps  %6.2f Gbit/s  (%d frames)   ",
                            (now - start) / 1e9, mpps, mpps * 1e6 * frameLength * 8 / 1e9, received[0]);
                    System.out.flush();
                    lastReceived = received[0];
                    lastReport = now;
                    nextReport += TimeUnit.SECONDS.toNanos(1);
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("%n        %d frames in %.1f s: %.2f Mpps average; %d out of order or altered%n",
                    received[0], elapsed, received[0] / elapsed / 1e6, misordered[0]);
            if (misordered[0] != 0) {
                throw new IllegalStateException(misordered[0] + " frames arrived out of order or altered");
            }
        }

        private void summary(LoopbackDevice device) {
            System.out.println();
            System.out.println("counters");
            System.out.printf("        device: %d frames in %d bursts (%.1f frames per used-index publish), %d interrupts, %d sleeps on the kick eventfds%n",
                    device.frames(), device.bursts(), device.frames() / (double) Math.max(1, device.bursts()),
                    device.interrupts(), device.sleeps());
            System.out.printf("        errors: TX %d, RX %d (the hostile chain above)%n",
                    device.txQueue().counters().totalErrors(), device.rxQueue().counters().totalErrors());
        }

        /** An Ethernet frame: broadcast destination, a local source MAC, a marker byte pattern. */
        private static void fill(MemorySegment frame, int length, int marker) {
            for (int i = 0; i < length; i++) {
                frame.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + marker));
            }
            for (int i = 0; i < 6; i++) {
                frame.set(ValueLayout.JAVA_BYTE, i, (byte) 0xff);
            }
            frame.set(ValueLayout.JAVA_BYTE, 6, (byte) 0x02);
        }
    }
}
