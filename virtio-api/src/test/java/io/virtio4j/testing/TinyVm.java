package io.virtio4j.testing;

import static io.virtio4j.api.platform.IoctlNumbers.io;
import static io.virtio4j.api.platform.IoctlNumbers.ior;
import static io.virtio4j.api.platform.IoctlNumbers.iow;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import io.virtio4j.api.kvm.KvmStructs;
import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;

/**
 * Test fixture: the smallest VMM that shows KVM signalling. One vCPU in real mode, 64 KiB of
 * guest memory at guest-physical 0, an in-kernel irqchip (PIC + IOAPIC, default GSI routing), and
 * a run loop that reports port-I/O exits. What virtio4j binds (ioeventfd, irqfd) is the code under
 * test; creating the VM is the embedding VMM's job, done here.
 */
public final class TinyVm implements AutoCloseable {
    public static final long MEMORY = 0x10000;
    public static final int KVM_EXIT_IO = 2;
    public static final int KVM_EXIT_HLT = 5;

    private static final int KVMIO = KvmStructs.KVMIO;
    private static final long KVM_GET_API_VERSION = io(KVMIO, 0x00);
    private static final long KVM_CREATE_VM = io(KVMIO, 0x01);
    private static final long KVM_GET_VCPU_MMAP_SIZE = io(KVMIO, 0x04);
    private static final long KVM_CREATE_VCPU = io(KVMIO, 0x41);
    private static final long KVM_SET_USER_MEMORY_REGION = iow(KVMIO, 0x46, 32);
    private static final long KVM_CREATE_IRQCHIP = io(KVMIO, 0x60);
    private static final long KVM_RUN = io(KVMIO, 0x80);
    private static final long KVM_SET_REGS = iow(KVMIO, 0x82, 144);
    private static final long KVM_GET_SREGS = ior(KVMIO, 0x83, 312);
    private static final long KVM_SET_SREGS = iow(KVMIO, 0x84, 312);
    /** struct kvm_sregs: eight struct kvm_segment of 24 bytes (base u64, limit u32, selector u16, ...). */
    private static final int SEGMENT_SIZE = 24;
    private static final int SEGMENT_SELECTOR = 12;
    /** struct kvm_regs: rsp is the 7th u64, rip the 17th, rflags the 18th. */
    private static final int REGS_RSP = 48;
    private static final int REGS_RIP = 128;
    private static final int REGS_RFLAGS = 136;
    /** struct kvm_run: exit_reason at 8; io {direction u8, size u8, port u16, count u32, data_offset u64} at 32. */
    private static final int RUN_EXIT_REASON = 8;
    private static final int RUN_IO_PORT = 34;
    private static final int RUN_IO_DATA_OFFSET = 40;

    /** One exit to user space. */
    public record Exit(int reason, int port, int value) {
    }

    private final Platform platform;
    private final Arena arena = Arena.ofConfined();
    private final int kvmFd;
    private final int vmFd;
    private final int vcpuFd;
    private final MemorySegment memory;
    private final MemorySegment run;

    /** Creates the VM, loads {@code image} at guest-physical 0 and points the vCPU at {@code entry}. */
    public TinyVm(Platform platform, byte[] image, int entry) {
        this.platform = platform;
        kvmFd = platform.open("/dev/kvm", LinuxConstants.O_RDWR | LinuxConstants.O_CLOEXEC);
        int version = platform.ioctl(kvmFd, KVM_GET_API_VERSION, 0);
        if (version != 12) {
            throw new IllegalStateException("KVM API version " + version + ", expected 12");
        }
        vmFd = platform.ioctl(kvmFd, KVM_CREATE_VM, 0);
        memory = platform.mmap(MEMORY, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE,
                LinuxConstants.MAP_PRIVATE | LinuxConstants.MAP_ANONYMOUS, -1, 0);
        MemorySegment.copy(image, 0, memory, ValueLayout.JAVA_BYTE, 0, image.length);
        MemorySegment region = arena.allocate(32);
        region.set(ValueLayout.JAVA_LONG, 8, 0);
        region.set(ValueLayout.JAVA_LONG, 16, MEMORY);
        region.set(ValueLayout.JAVA_LONG, 24, memory.address());
        platform.ioctl(vmFd, KVM_SET_USER_MEMORY_REGION, region);
        platform.ioctl(vmFd, KVM_CREATE_IRQCHIP, 0);
        vcpuFd = platform.ioctl(vmFd, KVM_CREATE_VCPU, 0);
        long runSize = platform.ioctl(kvmFd, KVM_GET_VCPU_MMAP_SIZE, 0);
        run = platform.mmap(runSize, LinuxConstants.PROT_READ | LinuxConstants.PROT_WRITE, LinuxConstants.MAP_SHARED, vcpuFd, 0);
        realModeFlat(entry);
    }

    /** Code, data and stack segments at base 0, so guest addresses are physical addresses. */
    private void realModeFlat(int entry) {
        MemorySegment sregs = arena.allocate(312);
        platform.ioctl(vcpuFd, KVM_GET_SREGS, sregs);
        for (int segment = 0; segment < 6; segment++) { // cs, ds, es, fs, gs, ss
            sregs.set(ValueLayout.JAVA_LONG, (long) segment * SEGMENT_SIZE, 0);
            sregs.set(ValueLayout.JAVA_SHORT, (long) segment * SEGMENT_SIZE + SEGMENT_SELECTOR, (short) 0);
        }
        platform.ioctl(vcpuFd, KVM_SET_SREGS, sregs);
        MemorySegment regs = arena.allocate(144);
        regs.set(ValueLayout.JAVA_LONG, REGS_RSP, 0x8000);
        regs.set(ValueLayout.JAVA_LONG, REGS_RIP, entry);
        regs.set(ValueLayout.JAVA_LONG, REGS_RFLAGS, 0x2);
        platform.ioctl(vcpuFd, KVM_SET_REGS, regs);
    }

    public int vmFd() {
        return vmFd;
    }

    /** Runs the vCPU until it exits to user space; returns the exit (port and value for port I/O). */
    public Exit runToExit() {
        platform.ioctl(vcpuFd, KVM_RUN, 0);
        int reason = run.get(ValueLayout.JAVA_INT, RUN_EXIT_REASON);
        if (reason != KVM_EXIT_IO) {
            return new Exit(reason, -1, -1);
        }
        int port = Short.toUnsignedInt(run.get(ValueLayout.JAVA_SHORT, RUN_IO_PORT));
        long dataOffset = run.get(ValueLayout.JAVA_LONG, RUN_IO_DATA_OFFSET);
        // The data lies inside the vCPU's run mapping at data_offset (a page the kernel provides).
        int value = Byte.toUnsignedInt(run.get(ValueLayout.JAVA_BYTE, dataOffset));
        return new Exit(reason, port, value);
    }

    @Override
    public void close() {
        platform.munmap(run);
        platform.close(vcpuFd);
        platform.close(vmFd);
        platform.munmap(memory);
        platform.close(kvmFd);
        arena.close();
    }
}
