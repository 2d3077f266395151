package io.virtio4j.vhostnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.spi.BackendConfigException;
import io.virtio4j.spi.NetBackends;

/** The provider as a VMM meets it: found by ServiceLoader, options validated with clear messages. */
class VhostNetBackendProviderTest {

    @Test
    void serviceLoaderFindsItWithItsOptions() {
        String usage = NetBackends.discover().usage();
        assertTrue(usage.contains("vhost-net"), usage);
        assertTrue(usage.contains("tap=<text> (required)"), usage);
        assertTrue(usage.contains("queues=<an integer 1..16> (default 1)"), usage);
    }

    @Test
    void theTapOptionIsRequired() {
        BackendConfigException e = assertThrows(BackendConfigException.class, () -> NetBackends.open("vhost-net:queues=2"));
        assertTrue(e.getMessage().contains("needs option 'tap'"), e.getMessage());
    }

    @Test
    void outOfRangeQueuesAndUnknownOptionsAreRefused() {
        assertThrows(BackendConfigException.class, () -> NetBackends.open("vhost-net:tap=vt0,queues=17"));
        BackendConfigException e = assertThrows(BackendConfigException.class, () -> NetBackends.open("vhost-net:tap=vt0,vnet_hdr=false"));
        assertTrue(e.getMessage().contains("unknown option 'vnet_hdr'"), e.getMessage());
    }

    @Test
    void anInterfaceNameTheKernelCannotTakeIsAConfigurationError() {
        BackendConfigException e = assertThrows(BackendConfigException.class,
                () -> NetBackends.open("vhost-net:tap=a-name-far-too-long-for-ifnamsiz"));
        assertTrue(e.getMessage().contains("backend 'vhost-net'"), e.getMessage());
    }

    @Test
    void aMissingDeviceNodeIsExplainedByTheRealKernel() {
        // A path that cannot exist gets the real ENOENT from open(2), as on a kernel without vhost_net.
        VhostException e = assertThrows(VhostException.class,
                () -> VhostNetDevice.open(Platform.linux(), "/nonexistent/vhost-net"));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().startsWith("no /nonexistent/vhost-net: the vhost_net module is not loaded"), e.getMessage());
    }
}
