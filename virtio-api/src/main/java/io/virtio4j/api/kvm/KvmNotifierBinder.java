package io.virtio4j.api.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;

/**
 * Binds event notifiers to a VM the embedding VMM created: kicks as ioeventfds
 * ({@code KVM_IOEVENTFD}), calls as irqfds ({@code KVM_IRQFD}). After binding, a guest's notify
 * write signals the kick notifier inside KVM with no exit to user space, and signalling the call
 * notifier injects the interrupt on the given GSI, again without the VMM's involvement.
 *
 * <p>The VM fd stays the VMM's. Bindings are deassigned by closing them; deassigning needs the
 * same fields as assigning, so each binding keeps its own copy of the struct.
 */
public final class KvmNotifierBinder {
    private static final Logger LOG = LoggerFactory.getLogger(KvmNotifierBinder.class);

    private final Platform platform;
    private final int vmFd;

    /** Binds against {@code vmFd} (from the VMM's {@code KVM_CREATE_VM}). */
    public KvmNotifierBinder(Platform platform, int vmFd) {
        if (vmFd < 0) {
            throw new IllegalArgumentException("bad VM fd " + vmFd);
        }
        this.platform = platform;
        this.vmFd = vmFd;
    }

    /**
     * Makes guest writes matching {@code spec} signal {@code kick}.
     *
     * @throws IllegalArgumentException if the notifier has no fd (an in-memory notifier)
     * @throws NativeException          from KVM_IOEVENTFD, e.g. EEXIST for an overlapping binding
     */
    public KvmBinding bindIoEventFd(EventNotifier kick, IoEventFdSpec spec) {
        int fd = requireFd(kick, "kick");
        int flags = (spec.space() == IoEventSpace.PIO ? KvmStructs.IOEVENTFD_FLAG_PIO : 0)
                | (spec.datamatch() != null ? KvmStructs.IOEVENTFD_FLAG_DATAMATCH : 0);
        Arena arena = Arena.ofShared();
        MemorySegment arg = arena.allocate(KvmStructs.IOEVENTFD);
        arg.set(ValueLayout.JAVA_LONG, KvmStructs.IOEVENTFD_DATAMATCH, spec.datamatch() == null ? 0 : spec.datamatch());
        arg.set(ValueLayout.JAVA_LONG, KvmStructs.IOEVENTFD_ADDR, spec.address());
        arg.set(ValueLayout.JAVA_INT, KvmStructs.IOEVENTFD_LEN, spec.length());
        arg.set(ValueLayout.JAVA_INT, KvmStructs.IOEVENTFD_FD, fd);
        arg.set(ValueLayout.JAVA_INT, KvmStructs.IOEVENTFD_FLAGS, flags);
        assign("KVM_IOEVENTFD", KvmStructs.KVM_IOEVENTFD, arg, arena);
        LOG.debug("ioeventfd {} bound to {}", fd, spec);
        return new Assigned("KVM_IOEVENTFD", KvmStructs.KVM_IOEVENTFD, arg, arena,
                KvmStructs.IOEVENTFD_FLAGS, flags | KvmStructs.IOEVENTFD_FLAG_DEASSIGN);
    }

    /**
     * Makes signalling {@code call} inject an edge on {@code gsi}.
     *
     * @throws NativeException from KVM_IRQFD, e.g. EINVAL without an in-kernel irqchip
     */
    public KvmBinding bindIrqFd(EventNotifier call, int gsi) {
        return bindIrqFd(call, gsi, null);
    }

    /**
     * Like {@link #bindIrqFd(EventNotifier, int)}, level-triggered when {@code resample} is given:
     * KVM signals {@code resample} when the guest acknowledges the interrupt, so the device can
     * re-assert it if it is still pending.
     */
    public KvmBinding bindIrqFd(EventNotifier call, int gsi, EventNotifier resample) {
        int fd = requireFd(call, "call");
        if (gsi < 0) {
            throw new IllegalArgumentException("bad GSI " + gsi);
        }
        int flags = resample != null ? KvmStructs.IRQFD_FLAG_RESAMPLE : 0;
        Arena arena = Arena.ofShared();
        MemorySegment arg = arena.allocate(KvmStructs.IRQFD);
        arg.set(ValueLayout.JAVA_INT, KvmStructs.IRQFD_FD, fd);
        arg.set(ValueLayout.JAVA_INT, KvmStructs.IRQFD_GSI, gsi);
        arg.set(ValueLayout.JAVA_INT, KvmStructs.IRQFD_FLAGS, flags);
        arg.set(ValueLayout.JAVA_INT, KvmStructs.IRQFD_RESAMPLEFD, resample != null ? requireFd(resample, "resample") : 0);
        assign("KVM_IRQFD", KvmStructs.KVM_IRQFD, arg, arena);
        LOG.debug("irqfd {} bound to GSI {}", fd, gsi);
        // Deassign takes fd and gsi only; the resample flag must not be set on it.
        return new Assigned("KVM_IRQFD", KvmStructs.KVM_IRQFD, arg, arena, KvmStructs.IRQFD_FLAGS, KvmStructs.IRQFD_FLAG_DEASSIGN);
    }

    private void assign(String name, long request, MemorySegment arg, Arena arena) {
        try {
            platform.ioctl(vmFd, request, arg);
        } catch (NativeException e) {
            arena.close();
            throw e.withDetail(name);
        }
    }

    private static int requireFd(EventNotifier notifier, String role) {
        int fd = notifier.fd();
        if (fd < 0) {
            throw new IllegalArgumentException("the " + role + " notifier has no fd; KVM needs an eventfd (EventfdNotifier)");
        }
        return fd;
    }

    /** A live binding: the struct it was assigned with, re-sent with the deassign flag on close. */
    private final class Assigned implements KvmBinding {
        private final String name;
        private final long request;
        private final MemorySegment arg;
        private final Arena arena;
        private final long flagsOffset;
        private final int deassignFlags;
        private final AtomicBoolean closed = new AtomicBoolean();

        Assigned(String name, long request, MemorySegment arg, Arena arena, long flagsOffset, int deassignFlags) {
            this.name = name;
            this.request = request;
            this.arg = arg;
            this.arena = arena;
            this.flagsOffset = flagsOffset;
            this.deassignFlags = deassignFlags;
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                arg.set(ValueLayout.JAVA_INT, flagsOffset, deassignFlags);
                platform.ioctl(vmFd, request, arg);
            } catch (NativeException e) {
                throw e.withDetail(name + " deassign");
            } finally {
                arena.close();
            }
        }
    }
}
