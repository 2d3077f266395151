package io.virtio4j.vhostnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.platform.Errno;
import io.virtio4j.vhostnet.testing.FakeVhostKernel;

/** Each wrapper: the request it sends, its argument byte for byte, and the message of each refusal. */
class VhostNetDeviceTest {
    private final FakeVhostKernel kernel = new FakeVhostKernel();
    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    private static byte[] le(long... fields) {
        // Pairs of (value, width in bytes), little-endian as on x86-64.
        ByteBuffer b = ByteBuffer.allocate(4 * fields.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i + 1] == 4) {
                b.putInt((int) fields[i]);
            } else {
                b.putLong(fields[i]);
            }
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    @Test
    void eachRingRequestCarriesItsStructByteForByte() {
        try (VhostNetDevice device = VhostNetDevice.open(kernel.platform)) {
            device.setOwner();
            device.setVringNum(VhostNetDevice.TX, 256);
            device.setVringBase(VhostNetDevice.TX, 0x1234);
            device.setVringAddr(VhostNetDevice.RX, new RingAddresses(0x7f00_0000_1000L, 0x7f00_0000_2000L, 0x7f00_0000_3000L));
            device.setVringKick(VhostNetDevice.RX, 41);
            device.setVringCall(VhostNetDevice.TX, 42);
            device.setVringErr(VhostNetDevice.TX, 43);
            device.setBackend(VhostNetDevice.RX, 44);
            device.setBackend(VhostNetDevice.RX, -1);
        }
        assertEquals(List.of("100 SET_OWNER", "100 SET_VRING_NUM", "100 SET_VRING_BASE", "100 SET_VRING_ADDR",
                "100 SET_VRING_KICK", "100 SET_VRING_CALL", "100 SET_VRING_ERR", "100 NET_SET_BACKEND", "100 NET_SET_BACKEND"),
                kernel.sequence());
        List<FakeVhostKernel.Call> c = kernel.calls;
        assertEquals(0, c.get(0).value());
        assertArrayEquals(le(1, 4, 256, 4), c.get(1).arg());
        assertArrayEquals(le(1, 4, 0x1234, 4), c.get(2).arg());
        // index, flags, desc, used, avail, log: the used ring comes before the avail ring in vhost_vring_addr.
        assertArrayEquals(le(0, 4, 0, 4, 0x7f00_0000_1000L, 8, 0x7f00_0000_3000L, 8, 0x7f00_0000_2000L, 8, 0, 8), c.get(3).arg());
        assertArrayEquals(le(0, 4, 41, 4), c.get(4).arg());
        assertArrayEquals(le(1, 4, 42, 4), c.get(5).arg());
        assertArrayEquals(le(1, 4, 43, 4), c.get(6).arg());
        assertArrayEquals(le(0, 4, 44, 4), c.get(7).arg());
        assertArrayEquals(le(0, 4, -1, 4), c.get(8).arg());
        assertEquals(List.of(100), kernel.closed);
    }

    @Test
    void theMemoryTableHasOneRegionPerGuestRegionWithItsHostAddress() {
        MemorySegment low = arena.allocate(0x10000, 4096);
        MemorySegment high = arena.allocate(0x20000, 4096);
        GuestMemory memory = GuestMemory.of(GuestRegion.of(0x100000, high), GuestRegion.of(0, low));
        try (VhostNetDevice device = VhostNetDevice.open(kernel.platform)) {
            device.setMemTable(memory);
        }
        FakeVhostKernel.Call call = kernel.named("SET_MEM_TABLE").getFirst();
        // The kernel reads nregions, then nregions * 32 bytes after the 8-byte head: the whole table is the argument.
        assertArrayEquals(le(2, 4, 0, 4,
                0, 8, 0x10000, 8, low.address(), 8, 0, 8,
                0x100000, 8, 0x20000, 8, high.address(), 8, 0, 8), call.arg());
    }

    @Test
    void heapMemoryCannotBeHandedToTheKernel() {
        GuestMemory memory = GuestMemory.of(GuestRegion.of(0, MemorySegment.ofArray(new byte[4096])));
        try (VhostNetDevice device = VhostNetDevice.open(kernel.platform)) {
            VhostException e = assertThrows(VhostException.class, () -> device.setMemTable(memory));
            assertTrue(e.getMessage().contains("heap memory"), e.getMessage());
        }
        assertTrue(kernel.named("SET_MEM_TABLE").isEmpty());
    }

    @Test
    void featuresAreReadAndWrittenAsU64() {
        kernel.features = 0x1_3000_8000L;
        try (VhostNetDevice device = VhostNetDevice.open(kernel.platform)) {
            assertEquals(0x1_3000_8000L, device.features());
            device.setFeatures(0x1_0000_8000L);
            assertEquals(OptionalLong.of(0x2), device.backendFeatures());
            device.setBackendFeatures(0x2);
        }
        assertEquals(0x1_0000_8000L, kernel.named("SET_FEATURES").getFirst().longAt(0));
        assertEquals(8, kernel.named("SET_FEATURES").getFirst().arg().length);
        assertEquals(0x2, kernel.named("SET_BACKEND_FEATURES").getFirst().longAt(0));
    }

    @Test
    void aFeatureTheKernelLacksIsNamedAndNeverSent() {
        kernel.features = VirtioFeature.VERSION_1.mask();
        try (VhostNetDevice device = VhostNetDevice.open(kernel.platform)) {
            VhostException e = assertThrows(VhostException.class,
                    () -> device.setFeatures(VirtioFeature.VERSION_1.mask() | VirtioFeature.RING_EVENT_IDX.mask()));
            assertTrue(e.getMessage().contains("lacks feature(s) VIRTIO_F_RING_EVENT_IDX"), e.getMessage());
        }
        assertTrue(kernel.named("SET_FEATURES").isEmpty());
    }

    @Test
    void noBackendFeaturesRequestOnOlderKernelsIsNotAnError() {
        kernel.backendFeatures = null;
        try (VhostNetDevice device = VhostNetDevice.open(kernel.platform)) {
            assertEquals(OptionalLong.empty(), device.backendFeatures());
        }
    }

    @Test
    void getVringBaseReturnsTheKernelsIndex() {
        kernel.vringBase[1] = 777;
        try (VhostNetDevice device = VhostNetDevice.open(kernel.platform)) {
            assertEquals(777, device.getVringBase(VhostNetDevice.TX));
        }
        assertEquals(1, kernel.named("GET_VRING_BASE").getFirst().intAt(0));
    }

    @Test
    void missingDeviceNodeSaysTheModuleIsNotLoaded() {
        kernel.openErrno = Errno.ENOENT;
        VhostException e = assertThrows(VhostException.class, () -> VhostNetDevice.open(kernel.platform));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("no /dev/vhost-net: the vhost_net module is not loaded (modprobe vhost_net)"), e.getMessage());
    }

    @Test
    void noPermissionOnTheNodeSaysSo() {
        kernel.openErrno = Errno.EACCES;
        VhostException e = assertThrows(VhostException.class, () -> VhostNetDevice.open(kernel.platform));
        assertTrue(e.getMessage().contains("no permission to open /dev/vhost-net"), e.getMessage());
    }

    @Test
    void eachRefusalExplainsItself() {
        try (VhostNetDevice device = VhostNetDevice.open(kernel.platform)) {
            kernel.failures.put("SET_VRING_NUM", Errno.EPERM);
            assertMessage(() -> device.setVringNum(0, 256), Errno.EPERM,
                    "VHOST_SET_VRING_NUM 0 failed: EPERM", "not the device's owner");
            kernel.failures.put("GET_FEATURES", Errno.ENOTTY);
            assertMessage(device::features, Errno.ENOTTY, "VHOST_GET_FEATURES failed: ENOTTY", "not a vhost-net device");
            kernel.failures.put("SET_OWNER", Errno.EBUSY);
            assertMessage(device::setOwner, Errno.EBUSY, "VHOST_SET_OWNER refused", "already has an owner");
            kernel.failures.put("SET_MEM_TABLE", Errno.E2BIG);
            GuestMemory memory = GuestMemory.of(GuestRegion.of(0, arena.allocate(4096)));
            assertMessage(() -> device.setMemTable(memory), Errno.E2BIG, "VHOST_SET_MEM_TABLE failed: E2BIG", "max_mem_regions");
            kernel.failures.put("SET_VRING_ADDR", Errno.EFAULT);
            assertMessage(() -> device.setVringAddr(1, new RingAddresses(1, 2, 3)), Errno.EFAULT,
                    "VHOST_SET_VRING_ADDR 1 failed: EFAULT", "not mapped");
        }
    }

    @Test
    void badRingIndicesAndFdsNeverReachTheKernel() {
        try (VhostNetDevice device = VhostNetDevice.open(kernel.platform)) {
            assertThrows(VhostException.class, () -> device.setVringNum(2, 256));
            assertThrows(VhostException.class, () -> device.setVringKick(-1, 5));
            assertThrows(VhostException.class, () -> device.setBackend(0, -2));
        }
        assertTrue(kernel.calls.isEmpty());
    }

    @Test
    void closeIsIdempotentAndACloseDeviceRefusesCalls() {
        VhostNetDevice device = VhostNetDevice.open(kernel.platform);
        device.close();
        device.close();
        assertEquals(List.of(100), kernel.closed);
        assertThrows(VhostException.class, device::setOwner);
    }

    private static void assertMessage(Runnable call, int errno, String... parts) {
        VhostException e = assertThrows(VhostException.class, call::run);
        assertEquals(errno, e.errno());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }
}
