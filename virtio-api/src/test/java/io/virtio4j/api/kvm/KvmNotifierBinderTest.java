package io.virtio4j.api.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.api.notify.EventNotifier;
import io.virtio4j.api.notify.InMemoryNotifier;
import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;

class KvmNotifierBinderTest {
    private static final int VM_FD = 42;
    private final Platform platform = mock(Platform.class);
    private final List<String> calls = new ArrayList<>();

    private EventNotifier eventfd(int fd) {
        EventNotifier n = mock(EventNotifier.class);
        when(n.fd()).thenReturn(fd);
        return n;
    }

    /** Records each ioctl as "request:hex bytes of the struct at call time". */
    private void recordIoctls() {
        doAnswer(inv -> {
            MemorySegment arg = inv.getArgument(2);
            calls.add(Long.toHexString(inv.getArgument(1)) + ":" + HexFormat.of().formatHex(arg.toArray(ValueLayout.JAVA_BYTE)));
            return 0;
        }).when(platform).ioctl(eq(VM_FD), anyLong(), any(MemorySegment.class));
    }

    @Test
    void requestNumbersAndStructSizesAreTheHeaders() {
        // Values printed by a C program including <linux/kvm.h> on x86-64.
        assertEquals(0x4040ae79L, KvmStructs.KVM_IOEVENTFD);
        assertEquals(0x4020ae76L, KvmStructs.KVM_IRQFD);
        assertEquals(64, KvmStructs.IOEVENTFD.byteSize());
        assertEquals(32, KvmStructs.IRQFD.byteSize());
        assertEquals(20, KvmStructs.IOEVENTFD.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("fd")));
        assertEquals(24, KvmStructs.IOEVENTFD.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("flags")));
    }

    @Test
    void ioeventfdAssignAndDeassignSendTheExactStruct() {
        recordIoctls();
        KvmNotifierBinder binder = new KvmNotifierBinder(platform, VM_FD);
        KvmBinding b = binder.bindIoEventFd(eventfd(7), IoEventFdSpec.mmioQueueNotify(0xd000_0050L, 3));
        b.close();
        b.close();
        String pad = "00".repeat(36);
        assertEquals(List.of(
                "4040ae79:" + "0300000000000000" + "500000d000000000" + "04000000" + "07000000" + "01000000" + pad,
                "4040ae79:" + "0300000000000000" + "500000d000000000" + "04000000" + "07000000" + "05000000" + pad), calls);
    }

    @Test
    void portIoeventfdSetsThePioFlag() {
        recordIoctls();
        new KvmNotifierBinder(platform, VM_FD).bindIoEventFd(eventfd(9), IoEventFdSpec.port(0x600, 2));
        assertTrue(calls.get(0).contains("02000000" + "09000000" + "02000000"), calls.get(0));
    }

    @Test
    void irqfdAssignAndDeassignSendTheExactStruct() {
        recordIoctls();
        KvmBinding b = new KvmNotifierBinder(platform, VM_FD).bindIrqFd(eventfd(11), 5, eventfd(12));
        b.close();
        String pad = "00".repeat(16);
        assertEquals(List.of(
                "4020ae76:" + "0b000000" + "05000000" + "02000000" + "0c000000" + pad,
                "4020ae76:" + "0b000000" + "05000000" + "01000000" + "0c000000" + pad), calls);
    }

    @Test
    void kernelErrorsNameTheRequest() {
        when(platform.ioctl(eq(VM_FD), anyLong(), any(MemorySegment.class))).thenThrow(new NativeException("ioctl", Errno.EEXIST));
        NativeException e = assertThrows(NativeException.class,
                () -> new KvmNotifierBinder(platform, VM_FD).bindIoEventFd(eventfd(7), IoEventFdSpec.port(0x600, 1)));
        assertTrue(e.getMessage().contains("KVM_IOEVENTFD") && e.getMessage().contains("EEXIST"), e.getMessage());
        NativeException irq = assertThrows(NativeException.class,
                () -> new KvmNotifierBinder(platform, VM_FD).bindIrqFd(eventfd(7), 5));
        assertTrue(irq.getMessage().contains("KVM_IRQFD"), irq.getMessage());
    }

    @Test
    void badInputIsRefusedBeforeAnyIoctl() {
        KvmNotifierBinder binder = new KvmNotifierBinder(platform, VM_FD);
        try (InMemoryNotifier inMemory = new InMemoryNotifier()) {
            assertThrows(IllegalArgumentException.class, () -> binder.bindIoEventFd(inMemory, IoEventFdSpec.port(0x600, 1)));
            assertThrows(IllegalArgumentException.class, () -> binder.bindIrqFd(inMemory, 5));
        }
        assertThrows(IllegalArgumentException.class, () -> binder.bindIrqFd(eventfd(3), -1));
        assertThrows(IllegalArgumentException.class, () -> IoEventFdSpec.port(0x600, 3));
        assertThrows(IllegalArgumentException.class, () -> IoEventFdSpec.port(0xffff, 4));
        assertThrows(IllegalArgumentException.class, () -> new IoEventFdSpec(IoEventSpace.MMIO, 0x1000, 0, 1L));
        assertThrows(IllegalArgumentException.class, () -> new IoEventFdSpec(IoEventSpace.MMIO, Long.MAX_VALUE - 1, 4, null));
        assertThrows(IllegalArgumentException.class, () -> new KvmNotifierBinder(platform, -1));
        verify(platform, never()).ioctl(eq(VM_FD), anyLong(), any(MemorySegment.class));
    }
}
