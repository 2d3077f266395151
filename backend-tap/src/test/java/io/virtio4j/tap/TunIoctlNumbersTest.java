package io.virtio4j.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.virtio4j.tap.testing.LinuxHeaders;
import io.virtio4j.testing.NeedsKernel;

class TunIoctlNumbersTest {
    @Test
    void requestNumbersMatchTheKnownValues() {
        assertEquals(0x400454caL, TunIoctlNumbers.TUNSETIFF);
        assertEquals(0x800454cfL, TunIoctlNumbers.TUNGETFEATURES);
        assertEquals(0x400454d0L, TunIoctlNumbers.TUNSETOFFLOAD);
        assertEquals(0x400454d8L, TunIoctlNumbers.TUNSETVNETHDRSZ);
    }

    @NeedsKernel
    @Test
    void requestNumbersMatchTheInstalledHeader() throws Exception {
        Map<String, String> d = LinuxHeaders.defines("if_tun.h");
        assertEquals(LinuxHeaders.ioctlNumber(d, "TUNSETIFF"), TunIoctlNumbers.TUNSETIFF);
        assertEquals(LinuxHeaders.ioctlNumber(d, "TUNGETFEATURES"), TunIoctlNumbers.TUNGETFEATURES);
        assertEquals(LinuxHeaders.ioctlNumber(d, "TUNSETOFFLOAD"), TunIoctlNumbers.TUNSETOFFLOAD);
        assertEquals(LinuxHeaders.ioctlNumber(d, "TUNGETIFF"), TunIoctlNumbers.TUNGETIFF);
        assertEquals(LinuxHeaders.ioctlNumber(d, "TUNGETVNETHDRSZ"), TunIoctlNumbers.TUNGETVNETHDRSZ);
        assertEquals(LinuxHeaders.ioctlNumber(d, "TUNSETVNETHDRSZ"), TunIoctlNumbers.TUNSETVNETHDRSZ);
        assertEquals(LinuxHeaders.ioctlNumber(d, "TUNSETQUEUE"), TunIoctlNumbers.TUNSETQUEUE);
    }

    @NeedsKernel
    @Test
    void flagsMatchTheInstalledHeader() throws Exception {
        Map<String, String> d = LinuxHeaders.defines("if_tun.h");
        assertEquals(LinuxHeaders.number(d, "IFF_TUN"), TunIoctlNumbers.IFF_TUN);
        assertEquals(LinuxHeaders.number(d, "IFF_TAP"), TunIoctlNumbers.IFF_TAP);
        assertEquals(LinuxHeaders.number(d, "IFF_NO_PI"), TunIoctlNumbers.IFF_NO_PI);
        assertEquals(LinuxHeaders.number(d, "IFF_VNET_HDR"), TunIoctlNumbers.IFF_VNET_HDR);
        assertEquals(LinuxHeaders.number(d, "IFF_MULTI_QUEUE"), TunIoctlNumbers.IFF_MULTI_QUEUE);
        assertEquals(LinuxHeaders.number(d, "IFF_TUN_EXCL"), TapDevice.IFF_TUN_EXCL);
        assertEquals(LinuxHeaders.number(d, "IFF_ATTACH_QUEUE"), TunIoctlNumbers.IFF_ATTACH_QUEUE);
        assertEquals(LinuxHeaders.number(d, "IFF_DETACH_QUEUE"), TunIoctlNumbers.IFF_DETACH_QUEUE);
        assertEquals(LinuxHeaders.number(d, "TUN_F_CSUM"), TunIoctlNumbers.TUN_F_CSUM);
        assertEquals(LinuxHeaders.number(d, "TUN_F_TSO4"), TunIoctlNumbers.TUN_F_TSO4);
        assertEquals(LinuxHeaders.number(d, "TUN_F_TSO6"), TunIoctlNumbers.TUN_F_TSO6);
        assertEquals(LinuxHeaders.number(d, "TUN_F_TSO_ECN"), TunIoctlNumbers.TUN_F_TSO_ECN);
        assertEquals(LinuxHeaders.number(d, "TUN_F_UFO"), TunIoctlNumbers.TUN_F_UFO);
        // TUN_F_USO4/6 (Linux 6.2) are checked only where the installed header is new enough.
        if (d.containsKey("TUN_F_USO4")) {
            assertEquals(LinuxHeaders.number(d, "TUN_F_USO4"), TunIoctlNumbers.TUN_F_USO4);
            assertEquals(LinuxHeaders.number(d, "TUN_F_USO6"), TunIoctlNumbers.TUN_F_USO6);
        }
    }
}
