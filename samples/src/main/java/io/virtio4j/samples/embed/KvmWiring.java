package io.virtio4j.samples.embed;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

import io.virtio4j.api.kvm.IoEventFdSpec;
import io.virtio4j.api.kvm.KvmBinding;
import io.virtio4j.api.kvm.KvmNotifierBinder;
import io.virtio4j.api.kvm.KvmStructs;
import io.virtio4j.api.memory.MemfdGuestMemory;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.platform.IoctlNumbers;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.spi.mmio.MmioRegisters;
import io.virtio4j.spi.mmio.VirtioMmioTransport;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.VirtioNetDevice;

/**
 * Sample: the KVM wiring of a virtio-mmio NIC, the part of a VMM that takes the VMM out of the
 * data path. Each queue's kick notifier becomes an ioeventfd on the transport's QueueNotify
 * register (datamatch = the queue index), so a guest's notify write signals the backend inside
 * KVM without an exit to user space; the transport's interrupt notifier becomes an irqfd on a
 * GSI, so the backend's "used buffers" signal is injected without the VMM either.
 *
 * <p>The VM here is only what binding needs (KVM_CREATE_VM and an in-kernel irqchip); a VMM has
 * its own, with memory and vCPUs. virtio-api's {@code KvmSignallingTest} shows both directions
 * with a real guest. What this sample can show without one: the kernel accepts every binding, and
 * KVM consumes a signal on the irqfd at once (it injected it), so the counter reads empty.
 *
 * <pre>./virtio4j sample-kvm [BACKEND-SPEC]   (default: a vhost-user server socket in a temporary directory)</pre>
 */
public final class KvmWiring {
    /** Where the VMM put the device's MMIO window in guest-physical space (any free address). */
    static final long MMIO_BASE = 0xd000_0000L;
    /** The interrupt line the VMM gave the device (its device tree or ACPI says so to the guest). */
    static final int GSI = 5;
    private static final long KVM_CREATE_VM = IoctlNumbers.io(KvmStructs.KVMIO, 0x01);
    private static final long KVM_CREATE_IRQCHIP = IoctlNumbers.io(KvmStructs.KVMIO, 0x60);

    private KvmWiring() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    /** Runs the sample, printing to {@code out}; returns the exit status (0 bound and checked, 1 failed). */
    public static int run(String[] args, PrintStream out) throws IOException {
        Path dir = Files.createTempDirectory("virtio4j-kvm-sample");
        String spec = args.length > 0 ? args[0] : "vhost-user:path=" + dir.resolve("nic.sock") + ",mode=server";
        Platform platform = Platform.linux();
        int kvm = platform.open("/dev/kvm", LinuxConstants.O_RDWR | LinuxConstants.O_CLOEXEC);
        try {
            int vm = platform.ioctl(kvm, KVM_CREATE_VM, 0);
            try {
                platform.ioctl(vm, KVM_CREATE_IRQCHIP, 0);
                return wire(platform, vm, spec, out);
            } finally {
                platform.close(vm);
            }
        } finally {
            platform.close(kvm);
            try (var left = Files.list(dir)) {
                for (Path p : left.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static int wire(Platform platform, int vm, String spec, PrintStream out) {
        Deque<KvmBinding> bindings = new ArrayDeque<>();
        try (NetBackend backend = NetBackends.open(spec);
             MemfdGuestMemory ram = MemfdGuestMemory.create("kvm-sample", 0, 1 << 20);
             EventfdNotifier interrupt = EventfdNotifier.create();
             VirtioNetDevice device = new VirtioNetDevice(new NetDeviceConfig(MacAddress.parse("52:54:00:00:00:01"), 1500, 1, 256, backend),
                     ram.memory(), EventfdNotifier::create)) {
            // The VMM routes the guest's other MMIO accesses (feature bits, queue setup, status) to this transport.
            new VirtioMmioTransport(device, interrupt, 0x554d4551);
            KvmNotifierBinder binder = new KvmNotifierBinder(platform, vm);
            try {
                for (int q = 0; q < device.queueCount(); q++) {
                    IoEventFdSpec notify = IoEventFdSpec.mmioQueueNotify(MMIO_BASE + MmioRegisters.QUEUE_NOTIFY, q);
                    bindings.push(binder.bindIoEventFd(device.kickNotifier(q), notify));
                    out.printf("queue %d: kick eventfd %d -> ioeventfd on MMIO 0x%x, datamatch %d%n", q, device.kickNotifier(q).fd(),
                            notify.address(), q);
                }
                bindings.push(binder.bindIrqFd(interrupt, GSI));
                out.printf("interrupt: call eventfd %d -> irqfd on GSI %d%n", interrupt.fd(), GSI);
                interrupt.signal();
                long left = interrupt.consume();
                out.println(left == 0 ? "signalled the interrupt eventfd: KVM consumed it at once (it injected GSI " + GSI + ")"
                        : "signalled the interrupt eventfd: " + left + " left unread, KVM did not take it");
                return left == 0 ? 0 : 1;
            } finally {
                while (!bindings.isEmpty()) {
                    bindings.pop().close();
                }
                out.println("bindings deassigned");
            }
        }
    }
}
