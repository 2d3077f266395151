package io.virtio4j.samples.readme;

import java.util.ArrayList;
import java.util.List;

import io.virtio4j.api.kvm.IoEventFdSpec;
import io.virtio4j.api.kvm.KvmBinding;
import io.virtio4j.api.kvm.KvmNotifierBinder;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.MemfdGuestMemory;
import io.virtio4j.api.notify.EventfdNotifier;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.NetBackend;
import io.virtio4j.spi.NetBackends;
import io.virtio4j.spi.mmio.MmioRegisters;
import io.virtio4j.spi.mmio.VirtioMmioTransport;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.VirtioNetDevice;

/**
 * The Java code the READMEs show, compiled here so it cannot drift from the API. Each snippet is
 * the text between a {@code // readme:NAME start} and a {@code // readme:NAME end} line;
 * {@code ReadmeSnippetsTest} checks that every {@code java} block of every README equals the snippet
 * its {@code <!-- snippet: NAME -->} comment names, and runs the snippets (over mocks where a real
 * VM or device is needed). Change a snippet here, then paste it into the README: the test says where.
 */
public final class ReadmeSnippets {
    private ReadmeSnippets() {
    }

    /** What the README's embedding snippet builds, for the caller to close. */
    public record Embedded(MemfdGuestMemory ram, NetBackend backend, VirtioNetDevice device, EventfdNotifier irq,
                           VirtioMmioTransport mmio) implements AutoCloseable {
        @Override
        public void close() {
            try (ram; backend; device; irq) {
                // Closed in reverse order of creation; the transport holds nothing of its own.
            }
        }
    }

    /**
     * README.md, "Embedding the device in a VMM": guest memory, a backend from a config string,
     * the device model and its virtio-mmio transport.
     *
     * @param ranges the VM's RAM as guest-physical ranges
     * @return everything the snippet opened
     */
    public static Embedded embedDevice(List<MemfdGuestMemory.Range> ranges) {
        // readme:embed-device start
        MemfdGuestMemory ram = MemfdGuestMemory.create(Platform.linux(), "vm1", ranges); // the VM's RAM (memfd: shareable)
        GuestMemory memory = ram.memory();
        NetBackend backend = NetBackends.open("vhost-user:path=/run/vm1.sock,mode=client,reconnect=1s");
        VirtioNetDevice device = new VirtioNetDevice(
                new NetDeviceConfig(0x02_00_00_00_00_01L, 1500, 1, 256, backend), memory, EventfdNotifier::create);
        EventfdNotifier irq = EventfdNotifier.create();
        VirtioMmioTransport mmio = new VirtioMmioTransport(device, irq, 0x554d4551);
        // Route the guest's accesses to the MMIO window: mmio.read(offset, size) / mmio.write(offset, size, value).
        // readme:embed-device end
        return new Embedded(ram, backend, device, irq, mmio);
    }

    /**
     * README.md, "Embedding the device in a VMM": the device's queue notifiers as KVM ioeventfds on
     * its QueueNotify register, its interrupt as an irqfd.
     *
     * @param platform {@code Platform.linux()} in a VMM
     * @param vmFd     the VM from {@code KVM_CREATE_VM}
     * @param device   the device
     * @param irq      the transport's interrupt notifier
     * @param mmioBase where the device's MMIO window sits in guest-physical space
     * @param gsi      the interrupt line the guest was told about
     * @return the bindings; closing one deassigns it
     */
    public static List<KvmBinding> bindToKvm(Platform platform, int vmFd, VirtioNetDevice device, EventfdNotifier irq,
                                             long mmioBase, int gsi) {
        // readme:bind-kvm start
        // With KVM, bind the signals so neither direction passes through the VMM (close a binding to undo it):
        KvmNotifierBinder kvm = new KvmNotifierBinder(platform, vmFd);
        List<KvmBinding> bindings = new ArrayList<>();
        for (int q = 0; q < device.queueCount(); q++) {
            bindings.add(kvm.bindIoEventFd(device.kickNotifier(q),
                    IoEventFdSpec.mmioQueueNotify(mmioBase + MmioRegisters.QUEUE_NOTIFY, q)));
        }
        bindings.add(kvm.bindIrqFd(irq, gsi));
        // readme:bind-kvm end
        return bindings;
    }

    /**
     * backend-vhostnet/README.md: a {@code vhost-net:} backend with two queue pairs under a device.
     *
     * @param memory the VM's RAM
     * @return the backend and the device (the backend is the caller's: a device never closes it)
     */
    public static VhostNetDevice vhostNetDevice(GuestMemory memory) {
        // readme:vhost-net start
        NetBackend backend = NetBackends.open("vhost-net:tap=vm0,queues=2"); // one /dev/vhost-net (kernel worker) per pair
        VirtioNetDevice device = new VirtioNetDevice(
                new NetDeviceConfig(0x02_00_00_00_00_01L, 1500, 2, 256, backend), memory, EventfdNotifier::create);
        // readme:vhost-net end
        return new VhostNetDevice(backend, device);
    }

    /** The vhost-net snippet's backend and device, closed together. */
    public record VhostNetDevice(NetBackend backend, VirtioNetDevice device) implements AutoCloseable {
        @Override
        public void close() {
            try (backend; device) {
                // The device stops the backend's queues; the backend then closes its devices and TAP.
            }
        }
    }
}
