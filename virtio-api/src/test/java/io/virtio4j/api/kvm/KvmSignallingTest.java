package io.virtio4j.api.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.testing.KvmHostOrGuest;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.TinyVm;

/**
 * The seed's section 3 on a real KVM VM: a guest's write to the notify port signals our kick
 * eventfd without an exit to user space (ioeventfd), and signalling our call eventfd injects the
 * interrupt the halted guest waits for (irqfd). The guest is a few bytes of real-mode code.
 * On the host's /dev/kvm, or, when the host has none, inside a QEMU guest with KVM of its own
 * ({@link KvmHostOrGuest}).
 */
@NeedsKernel
@ExtendWith(KvmHostOrGuest.class)
class KvmSignallingTest {
    static final int NOTIFY_PORT = 0x600;
    static final int MARK_PORT = 0x601;
    static final int HANDLER_PORT = 0x602;
    static final int READY_PORT = 0x603;
    static final int GSI = 5;

    /** KVM_RUN blocks while the guest halts; a separate thread lets the test give up instead of hanging. */
    private static final ExecutorService VCPU = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tiny-vm-vcpu");
        t.setDaemon(true);
        return t;
    });

    private final Platform platform = Platform.linux();

    @AfterAll
    static void stopVcpuThread() {
        VCPU.shutdownNow();
    }

    /**
     * Guest code at 0x1000: write 1 to the notify port, write to the mark port, program the PIC
     * (vector base 0x20, only IRQ 5 unmasked), report ready, then {@code sti; hlt} forever. The
     * IRQ 5 handler (vector 0x25, at 0x1100) writes 0x42 to the handler port, EOIs and returns.
     */
    static byte[] guestImage() {
        byte[] image = new byte[0x1200];
        byte[] main = {
            (byte) 0xBA, 0x00, 0x06, (byte) 0xB0, 0x01, (byte) 0xEE,        // mov dx,0x600; mov al,1; out dx,al
            (byte) 0xBA, 0x01, 0x06, (byte) 0xEE,                           // mov dx,0x601; out dx,al
            (byte) 0xB0, 0x11, (byte) 0xE6, 0x20,                           // PIC ICW1: edge, cascade, ICW4
            (byte) 0xB0, 0x20, (byte) 0xE6, 0x21,                           // ICW2: vectors 0x20..0x27
            (byte) 0xB0, 0x04, (byte) 0xE6, 0x21,                           // ICW3: slave on IRQ 2
            (byte) 0xB0, 0x01, (byte) 0xE6, 0x21,                           // ICW4: 8086 mode
            (byte) 0xB0, (byte) 0xDF, (byte) 0xE6, 0x21,                    // OCW1: mask all but IRQ 5
            (byte) 0xBA, 0x03, 0x06, (byte) 0xEE,                           // mov dx,0x603; out dx,al (ready)
            (byte) 0xFB, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD,             // sti; hlt; jmp hlt
        };
        byte[] handler = {
            (byte) 0xBA, 0x02, 0x06, (byte) 0xB0, 0x42, (byte) 0xEE,        // mov dx,0x602; mov al,0x42; out dx,al
            (byte) 0xB0, 0x20, (byte) 0xE6, 0x20,                           // EOI to the master PIC
            (byte) 0xCF,                                                    // iret
        };
        System.arraycopy(main, 0, image, 0x1000, main.length);
        System.arraycopy(handler, 0, image, 0x1100, handler.length);
        int vector = 0x20 + GSI;
        image[vector * 4] = 0x00;           // IVT entry: offset 0x1100, segment 0
        image[vector * 4 + 1] = 0x11;
        return image;
    }

    @Test
    void aBoundNotifyWriteSignalsTheKickWithoutAnExitToUserSpace() {
        try (TinyVm vm = new TinyVm(platform, guestImage(), 0x1000);
             EventfdNotifier kick = EventfdNotifier.create()) {
            KvmNotifierBinder binder = new KvmNotifierBinder(platform, vm.vmFd());
            try (KvmBinding binding = binder.bindIoEventFd(kick, IoEventFdSpec.port(NOTIFY_PORT, 1))) {
                TinyVm.Exit exit = vm.runToExit();
                assertEquals(new TinyVm.Exit(TinyVm.KVM_EXIT_IO, MARK_PORT, 1), exit,
                        "the first exit to user space is the mark port: the notify write never left the kernel");
                assertEquals(1, kick.consume(), "KVM signalled the kick eventfd for the notify write");
            }
        }
    }

    @Test
    void withoutABindingOrWithAnotherDatamatchTheWriteExitsToUserSpace() {
        try (TinyVm vm = new TinyVm(platform, guestImage(), 0x1000);
             EventfdNotifier kick = EventfdNotifier.create()) {
            KvmNotifierBinder binder = new KvmNotifierBinder(platform, vm.vmFd());
            IoEventFdSpec onlyTwo = new IoEventFdSpec(IoEventSpace.PIO, NOTIFY_PORT, 1, 2L);
            try (KvmBinding binding = binder.bindIoEventFd(kick, onlyTwo)) {
                assertEquals(new TinyVm.Exit(TinyVm.KVM_EXIT_IO, NOTIFY_PORT, 1), vm.runToExit(),
                        "the guest wrote 1, the binding matches only 2: KVM hands the write to user space");
                assertEquals(0, kick.consume());
            }
        }
    }

    @Test
    void signallingTheCallNotifierInjectsTheInterruptTheGuestHaltsFor() throws Exception {
        try (TinyVm vm = new TinyVm(platform, guestImage(), 0x1000);
             EventfdNotifier call = EventfdNotifier.create()) {
            KvmNotifierBinder binder = new KvmNotifierBinder(platform, vm.vmFd());
            assertEquals(NOTIFY_PORT, vm.runToExit().port());
            assertEquals(MARK_PORT, vm.runToExit().port());
            assertEquals(READY_PORT, vm.runToExit().port(), "the guest programmed its PIC");
            try (KvmBinding binding = binder.bindIrqFd(call, GSI)) {
                call.signal();
                TinyVm.Exit exit = CompletableFuture.supplyAsync(vm::runToExit, VCPU).get(10, TimeUnit.SECONDS);
                assertEquals(new TinyVm.Exit(TinyVm.KVM_EXIT_IO, HANDLER_PORT, 0x42), exit,
                        "the IRQ 5 handler ran: the interrupt was injected through the irqfd");
            }
        }
    }

    @Test
    void deassignedBindingsNoLongerSignal() {
        try (TinyVm vm = new TinyVm(platform, guestImage(), 0x1000);
             EventfdNotifier kick = EventfdNotifier.create()) {
            KvmNotifierBinder binder = new KvmNotifierBinder(platform, vm.vmFd());
            KvmBinding binding = binder.bindIoEventFd(kick, IoEventFdSpec.port(NOTIFY_PORT, 1));
            binding.close();
            binding.close();
            assertEquals(NOTIFY_PORT, vm.runToExit().port(), "after deassign the write exits again");
            assertEquals(0, kick.consume());
        }
    }
}
