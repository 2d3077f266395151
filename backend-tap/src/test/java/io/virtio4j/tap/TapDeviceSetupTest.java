package io.virtio4j.tap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** The ioctl sequence, the ifreq bytes and every setup error, against a mocked kernel. */
class TapDeviceSetupTest {
    private static final int ALL_FEATURES = TunIoctlNumbers.IFF_TAP | TunIoctlNumbers.IFF_TUN | TunIoctlNumbers.IFF_NO_PI
            | TunIoctlNumbers.IFF_VNET_HDR | TunIoctlNumbers.IFF_MULTI_QUEUE | TapDevice.IFF_TUN_EXCL;
    private static final int OPEN_FLAGS = TapDevice.O_RDWR | TapDevice.O_NONBLOCK | TapDevice.O_CLOEXEC;

    private TunIoctls ioctls;
    private final Platform platform = mock(Platform.class);
    private final List<byte[]> ifreqsSeen = new ArrayList<>();
    private int nextFd = 40;

    @BeforeEach
    void kernelThatAcceptsEverything() {
        ioctls = mock(TunIoctls.class);
        when(platform.open(anyString(), anyInt())).thenAnswer(i -> nextFd++);
        features(ALL_FEATURES);
        // TUNSETIFF copies the ifreq the caller passed, so record a copy of what it saw.
        doAnswer(i -> {
            ifreqsSeen.add(((byte[]) i.getArgument(2)).clone());
            return 0;
        }).when(ioctls).ioctlIfreq(anyInt(), eq(TunIoctlNumbers.TUNSETIFF), any());
        when(ioctls.ioctlIntPointer(anyInt(), eq(TunIoctlNumbers.TUNSETVNETHDRSZ), any())).thenReturn(0);
        when(ioctls.ioctlValue(anyInt(), eq(TunIoctlNumbers.TUNSETOFFLOAD), anyLong())).thenReturn(0);
    }

    private void features(int features) {
        doAnswer(i -> {
            ((int[]) i.getArgument(2))[0] = features;
            return 0;
        }).when(ioctls).ioctlIntPointer(anyInt(), eq(TunIoctlNumbers.TUNGETFEATURES), any());
    }

    private static byte[] expectedIfreq(String name, int flags) {
        byte[] expected = new byte[40];
        System.arraycopy(name.getBytes(), 0, expected, 0, name.length());
        expected[16] = (byte) flags;
        expected[17] = (byte) (flags >> 8);
        return expected;
    }

    @Test
    void singleQueueRunsTheDocumentedSequenceWithTheExactIfreq() {
        try (TapDevice tap = TapDevice.open(new TapConfig("vt0", 1, true, true), ioctls, platform)) {
            assertEquals("vt0", tap.name());
            assertEquals(1, tap.queueCount());
            assertEquals(40, tap.queue(0).fd());
            assertTrue(tap.capabilities().ufo());
        }
        InOrder order = inOrder(platform, ioctls);
        order.verify(platform).open("/dev/net/tun", OPEN_FLAGS);
        order.verify(ioctls).ioctlIntPointer(eq(40), eq(TunIoctlNumbers.TUNGETFEATURES), any());
        order.verify(ioctls).ioctlIfreq(eq(40), eq(TunIoctlNumbers.TUNSETIFF), any());
        order.verify(ioctls).ioctlIntPointer(eq(40), eq(TunIoctlNumbers.TUNSETVNETHDRSZ), eq(new int[] {12}));
        order.verify(ioctls).ioctlValue(40, TunIoctlNumbers.TUNSETOFFLOAD, TunIoctlNumbers.TUN_F_CSUM | TunIoctlNumbers.TUN_F_UFO);
        order.verify(ioctls).ioctlValue(40, TunIoctlNumbers.TUNSETOFFLOAD,
                TunIoctlNumbers.TUN_F_CSUM | TunIoctlNumbers.TUN_F_USO4 | TunIoctlNumbers.TUN_F_USO6);
        order.verify(ioctls).ioctlValue(40, TunIoctlNumbers.TUNSETOFFLOAD, 0);
        order.verify(platform).close(40);
        // IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL = 0xd002, little-endian at offset 16.
        assertArrayEquals(expectedIfreq("vt0", 0xd002), ifreqsSeen.get(0));
    }

    @Test
    void multiQueueOpensOneFdPerQueueAndOnlyTheFirstIsExclusive() {
        try (TapDevice tap = TapDevice.open(new TapConfig("vt0", 2, true, true), ioctls, platform)) {
            assertEquals(2, tap.queueCount());
            assertEquals(41, tap.queue(1).fd());
            assertEquals(1, tap.queue(1).index());
        }
        assertEquals(2, ifreqsSeen.size());
        assertArrayEquals(expectedIfreq("vt0", 0xd102), ifreqsSeen.get(0));
        assertArrayEquals(expectedIfreq("vt0", 0x5102), ifreqsSeen.get(1));
        verify(ioctls).ioctlIntPointer(eq(41), eq(TunIoctlNumbers.TUNSETVNETHDRSZ), any());
        verify(platform).close(40);
        verify(platform).close(41);
    }

    @Test
    void kernelChosenNameIsReadBackFromTheIfreq() {
        doAnswer(i -> {
            byte[] ifreq = i.getArgument(2);
            System.arraycopy("tap7".getBytes(), 0, ifreq, 0, 4);
            return 0;
        }).when(ioctls).ioctlIfreq(anyInt(), eq(TunIoctlNumbers.TUNSETIFF), any());
        try (TapDevice tap = TapDevice.open(new TapConfig("", 1, false, true), ioctls, platform)) {
            assertEquals("tap7", tap.name());
        }
    }

    @Test
    void epermOnTunsetiffSaysCapNetAdmin() {
        when(ioctls.ioctlIfreq(anyInt(), eq(TunIoctlNumbers.TUNSETIFF), any())).thenThrow(new NativeException("ioctl", TapDevice.EPERM));
        TapException e = assertThrows(TapException.class, () -> TapDevice.open(TapConfig.of("vt0", 1), ioctls, platform));
        assertTrue(e.getMessage().startsWith("creating TAP vt0 needs CAP_NET_ADMIN"), e.getMessage());
        assertEquals(TapDevice.EPERM, e.errno());
        verify(platform).close(40);
    }

    @Test
    void ebusyNamesTheIncompatibleFlagsAndClosesEveryFd() {
        when(ioctls.ioctlIfreq(eq(41), eq(TunIoctlNumbers.TUNSETIFF), any())).thenThrow(new NativeException("ioctl", TapDevice.EBUSY));
        TapException e = assertThrows(TapException.class, () -> TapDevice.open(TapConfig.of("vt0", 2), ioctls, platform));
        assertTrue(e.getMessage().contains("TAP vt0 is in use or exists with incompatible flags"), e.getMessage());
        assertTrue(e.getMessage().contains("0x5102"), e.getMessage());
        verify(platform).close(40);
        verify(platform).close(41);
    }

    @Test
    void missingDeviceNodeSaysLoadTheTunModule() {
        when(platform.open(anyString(), anyInt())).thenThrow(new NativeException("open", TapDevice.ENOENT));
        TapException e = assertThrows(TapException.class, () -> TapDevice.open(TapConfig.of("vt0", 1), ioctls, platform));
        assertTrue(e.getMessage().contains("load the tun module"), e.getMessage());
        verify(platform, never()).close(anyInt());
    }

    @Test
    void kernelWithoutVnetHeaderIsRefusedBeforeTunsetiff() {
        features(TunIoctlNumbers.IFF_TAP | TunIoctlNumbers.IFF_NO_PI | TunIoctlNumbers.IFF_MULTI_QUEUE);
        TapException e = assertThrows(TapException.class, () -> TapDevice.open(TapConfig.of("vt0", 1), ioctls, platform));
        assertTrue(e.getMessage().contains("lacks IFF_VNET_HDR"), e.getMessage());
        verify(ioctls, never()).ioctlIfreq(anyInt(), eq(TunIoctlNumbers.TUNSETIFF), any());
        verify(platform).close(40);
    }

    @Test
    void kernelWithoutMultiQueueIsRefusedOnlyWhenMoreThanOneQueueIsAsked() {
        features(TunIoctlNumbers.IFF_TAP | TunIoctlNumbers.IFF_NO_PI | TunIoctlNumbers.IFF_VNET_HDR);
        TapException e = assertThrows(TapException.class, () -> TapDevice.open(TapConfig.of("vt0", 2), ioctls, platform));
        assertTrue(e.getMessage().contains("lacks IFF_MULTI_QUEUE"), e.getMessage());
        TapDevice.open(TapConfig.of("vt0", 1), ioctls, platform).close();
    }

    @Test
    void offloadProbeFailuresMeanNoUfoOrUso() {
        when(ioctls.ioctlValue(anyInt(), eq(TunIoctlNumbers.TUNSETOFFLOAD), eq((long) (TunIoctlNumbers.TUN_F_CSUM | TunIoctlNumbers.TUN_F_UFO))))
                .thenThrow(new NativeException("ioctl", TapDevice.EINVAL));
        try (TapDevice tap = TapDevice.open(TapConfig.of("vt0", 1), ioctls, platform)) {
            assertFalse(tap.capabilities().ufo());
            assertTrue(tap.capabilities().uso());
            TapException e = assertThrows(TapException.class, () -> tap.setOffloads(TunIoctlNumbers.TUN_F_CSUM | TunIoctlNumbers.TUN_F_UFO));
            assertTrue(e.getMessage().contains("0x10 not supported"), e.getMessage());
            tap.setOffloads(TunIoctlNumbers.TUN_F_CSUM | TunIoctlNumbers.TUN_F_TSO4);
            verify(ioctls).ioctlValue(40, TunIoctlNumbers.TUNSETOFFLOAD, TunIoctlNumbers.TUN_F_CSUM | TunIoctlNumbers.TUN_F_TSO4);
        }
    }

    @Test
    void withoutVnetHeaderThereIsNoHeaderSizeNoOffloadProbeAndNoOffload() {
        try (TapDevice tap = TapDevice.open(new TapConfig("vt0", 1, false, false), ioctls, platform)) {
            assertEquals(0, tap.capabilities().offerableFeatures());
            TapException e = assertThrows(TapException.class, () -> tap.setOffloads(TunIoctlNumbers.TUN_F_CSUM));
            assertTrue(e.getMessage().contains("not supported"), e.getMessage());
        }
        // IFF_TAP | IFF_NO_PI only.
        assertArrayEquals(expectedIfreq("vt0", 0x1002), ifreqsSeen.get(0));
        verify(ioctls, never()).ioctlIntPointer(anyInt(), eq(TunIoctlNumbers.TUNSETVNETHDRSZ), any());
        verify(ioctls, never()).ioctlValue(anyInt(), eq(TunIoctlNumbers.TUNSETOFFLOAD), anyLong());
    }

    @Test
    void queueDetachAndAttachSendTunsetqueueOnThatQueuesFd() {
        List<Integer> flagsSeen = new ArrayList<>();
        doAnswer(i -> {
            flagsSeen.add(IfReq.flags(i.getArgument(2)));
            return 0;
        }).when(ioctls).ioctlIfreq(eq(41), eq(TunIoctlNumbers.TUNSETQUEUE), any());
        try (TapDevice tap = TapDevice.open(TapConfig.of("vt0", 2), ioctls, platform)) {
            tap.setQueueEnabled(1, false);
            tap.setQueueEnabled(1, true);
            assertThrows(TapException.class, () -> tap.setQueueEnabled(2, true));
        }
        assertEquals(List.of(TunIoctlNumbers.IFF_DETACH_QUEUE, TunIoctlNumbers.IFF_ATTACH_QUEUE), flagsSeen);
        try (TapDevice single = TapDevice.open(TapConfig.of("vt1", 1), ioctls, platform)) {
            TapException e = assertThrows(TapException.class, () -> single.setQueueEnabled(0, false));
            assertTrue(e.getMessage().contains("needs IFF_MULTI_QUEUE"), e.getMessage());
        }
    }

    @Test
    void invalidNamesAreRejectedBeforeAnySyscall() {
        assertThrows(TapException.class, () -> TapConfig.of("a-name-that-is-too-long", 1));
        assertThrows(TapException.class, () -> TapConfig.of("bad/name", 1));
        assertThrows(TapException.class, () -> TapConfig.of("vt0", 0));
        verify(platform, never()).open(anyString(), anyInt());
    }

    @Test
    void dataPathErrorsNameTheInterfaceAndQueue() {
        when(platform.readv(anyInt(), any(), anyInt())).thenThrow(new io.virtio4j.api.platform.NativeException("readv", 77));
        try (TapDevice tap = TapDevice.open(TapConfig.of("vt0", 1), ioctls, platform);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            IovecArray iovecs = new IovecArray(arena, 2);
            TapException e = assertThrows(TapException.class, () -> tap.queue(0).read(iovecs, 1));
            assertTrue(e.getMessage().contains("readv on TAP vt0 queue 0 failed"), e.getMessage());
            assertEquals(77, e.errno());
            assertEquals(1, tap.queue(0).stats().readErrors());
            assertThrows(IndexOutOfBoundsException.class, () -> tap.queue(0).write(iovecs, 3));
            verify(platform, never()).writev(anyInt(), any(), anyInt());
        }
    }

    @Test
    void linkUpReadsThenSetsIffUpOnAnInetSocket() {
        when(platform.socket(TapDevice.AF_INET, TapDevice.SOCK_DGRAM | TapDevice.SOCK_CLOEXEC, 0)).thenReturn(77);
        doAnswer(i -> {
            IfReq.setFlags(i.getArgument(2), 0x1000);
            return 0;
        }).when(ioctls).ioctlIfreq(eq(77), eq(TunIoctlNumbers.SIOCGIFFLAGS), any());
        List<Integer> setFlags = new ArrayList<>();
        doAnswer(i -> {
            setFlags.add(IfReq.flags(i.getArgument(2)));
            return 0;
        }).when(ioctls).ioctlIfreq(eq(77), eq(TunIoctlNumbers.SIOCSIFFLAGS), any());
        try (TapDevice tap = TapDevice.open(TapConfig.of("vt0", 1), ioctls, platform)) {
            tap.setLinkUp();
        }
        assertEquals(List.of(0x1001), setFlags);
        verify(platform).close(77);
    }
}
