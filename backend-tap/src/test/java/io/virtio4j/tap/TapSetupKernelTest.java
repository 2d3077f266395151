package io.virtio4j.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.api.platform.LinuxPlatform;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.testing.NeedsKernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * Setup paths on the real kernel: attach to a persistent TAP, the real EBUSY, the kernel-chosen
 * name, link up by ioctl and the offload probe. The links live in the test's namespace only for
 * the test and have no addresses.
 */
@NeedsKernel
class TapSetupKernelTest extends KernelTestSupport {
    private static final LinuxPlatform PLATFORM = LinuxPlatform.instance();

    private static String uniqueName(String prefix) {
        return prefix + ProcessHandle.current().pid() % 100000;
    }

    private static void ip(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "ip";
        System.arraycopy(args, 0, command, 1, args.length);
        NetNs.host(command);
    }

    private static boolean linkExists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    @Test
    void attachesToAPersistentTapAndRefusesIncompatibleOrExclusiveOpens() {
        String name = uniqueName("v4jp");
        ip("tuntap", "add", "dev", name, "mode", "tap", "vnet_hdr");
        try {
            try (TapDevice tap = TapDevice.open(TapConfig.of(name, 1), PLATFORM)) {
                assertEquals(name, tap.name());
            }
            assertTrue(linkExists(name), "closing our fd leaves a persistent TAP in place");

            TapException exclusive = assertThrows(TapException.class,
                    () -> TapDevice.open(new TapConfig(name, 1, true, true), PLATFORM));
            assertEquals(TapDevice.EBUSY, exclusive.errno());
            assertTrue(exclusive.getMessage().contains("TAP " + name + " is in use or exists"), exclusive.getMessage());

            // The persistent TAP was made without multi_queue: asking for two queues must fail clearly.
            TapException multiQueue = assertThrows(TapException.class, () -> TapDevice.open(TapConfig.of(name, 2), PLATFORM));
            assertTrue(multiQueue.getMessage().startsWith("TAP " + name), multiQueue.getMessage());
            assertTrue(multiQueue.errno() == TapDevice.EINVAL || multiQueue.errno() == TapDevice.EBUSY, multiQueue.getMessage());
        } finally {
            ip("tuntap", "del", "dev", name, "mode", "tap");
        }
    }

    @Test
    void theKernelPicksANameWhenNoneIsGivenAndTheTapGoesAwayOnClose() {
        String name;
        try (TapDevice tap = TapDevice.open(new TapConfig("", 1, false, true), PLATFORM)) {
            name = tap.name();
            assertTrue(name.startsWith("tap"), name);
            assertTrue(linkExists(name));
        }
        assertTrue(!linkExists(name), "a non-persistent TAP disappears with its last fd");
    }

    @Test
    void setLinkUpSetsIffUp() throws IOException {
        try (TapDevice tap = TapDevice.open(TapConfig.of(uniqueName("v4ju"), 1), PLATFORM)) {
            Path flags = Path.of("/sys/class/net", tap.name(), "flags");
            assertEquals(0, Integer.decode(Files.readString(flags).strip()) & TunIoctlNumbers.IFF_UP);
            tap.setLinkUp();
            assertEquals(TunIoctlNumbers.IFF_UP, Integer.decode(Files.readString(flags).strip()) & TunIoctlNumbers.IFF_UP);
        }
    }

    @Test
    void kernelFeaturesAndProbedOffloadsAreReported() throws IOException {
        try (TapDevice tap = TapDevice.open(TapConfig.of(uniqueName("v4jf"), 1), PLATFORM)) {
            int features = tap.kernelFeatures();
            assertEquals(TunIoctlNumbers.IFF_VNET_HDR, features & TunIoctlNumbers.IFF_VNET_HDR);
            assertEquals(TunIoctlNumbers.IFF_MULTI_QUEUE, features & TunIoctlNumbers.IFF_MULTI_QUEUE);
            assertTrue(tap.capabilities().vnetHeader());
            // USO for TUN arrived in Linux 6.2: the probe must agree with the running kernel.
            String[] release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip().split("[.-]");
            boolean atLeast62 = Integer.parseInt(release[0]) > 6 || Integer.parseInt(release[0]) == 6 && Integer.parseInt(release[1]) >= 2;
            assertEquals(atLeast62, tap.capabilities().uso());
        }
    }
}
