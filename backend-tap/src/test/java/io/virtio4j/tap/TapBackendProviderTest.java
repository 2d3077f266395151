package io.virtio4j.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.spi.BackendConfig;
import io.virtio4j.spi.BackendConfigException;
import io.virtio4j.spi.BackendSpec;
import io.virtio4j.spi.NetBackendProvider;
import io.virtio4j.spi.NetBackends;

import org.junit.jupiter.api.Test;

/** The tap provider's options, their validation and its discovery through ServiceLoader (no kernel needed). */
class TapBackendProviderTest {
    private final TapBackendProvider provider = new TapBackendProvider();

    private BackendConfig validate(String spec) {
        return BackendConfig.validate(BackendSpec.parse(spec), provider.options());
    }

    @Test
    void discoveryFindsTheTapProvider() {
        NetBackendProvider found = NetBackends.discover().provider("tap").orElseThrow();
        assertInstanceOf(TapBackendProvider.class, found);
        assertEquals("tap", found.name());
        assertFalse(found.description().isBlank());
    }

    @Test
    void defaultsAreOneQueueWithTheVnetHeader() {
        TapConfig config = TapBackendProvider.toTapConfig(validate("tap:ifname=vt0"));
        assertEquals(new TapConfig("vt0", 1, false, true), config);
    }

    @Test
    void explicitOptionsAreTaken() {
        TapConfig config = TapBackendProvider.toTapConfig(validate("tap:ifname=vt1,queues=16,vnet_hdr=off"));
        assertEquals(new TapConfig("vt1", 16, false, false), config);
    }

    @Test
    void tooManyQueuesIsRefusedWithTheValidOptionsListed() {
        BackendConfigException e = assertThrows(BackendConfigException.class, () -> NetBackends.open("tap:ifname=x,queues=99"));
        assertTrue(e.getMessage().contains("'queues'"), e.getMessage());
        assertTrue(e.getMessage().contains("an integer 1..16"), e.getMessage());
        BackendConfigException zero = assertThrows(BackendConfigException.class, () -> validate("tap:ifname=x,queues=0"));
        assertTrue(zero.getMessage().contains("out of range"), zero.getMessage());
    }

    @Test
    void aMissingInterfaceNameIsRefusedListingEveryOption() {
        BackendConfigException e = assertThrows(BackendConfigException.class, () -> NetBackends.open("tap:queues=2"));
        assertTrue(e.getMessage().contains("needs option 'ifname'"), e.getMessage());
        for (String option : new String[] {"ifname=<text> (required)", "queues=<an integer 1..16> (default 1)",
                "vnet_hdr=<true|false> (default true)"}) {
            assertTrue(e.getMessage().contains(option), option + " missing from: " + e.getMessage());
        }
    }

    @Test
    void unknownOptionsAndBadBooleansAreRefused() {
        BackendConfigException unknown = assertThrows(BackendConfigException.class, () -> validate("tap:ifname=x,mtu=9000"));
        assertTrue(unknown.getMessage().contains("unknown option 'mtu'"), unknown.getMessage());
        BackendConfigException bool = assertThrows(BackendConfigException.class, () -> validate("tap:ifname=x,vnet_hdr=maybe"));
        assertTrue(bool.getMessage().contains("vnet_hdr"), bool.getMessage());
    }

    @Test
    void anInterfaceNameTheKernelCannotTakeIsAConfigurationError() {
        BackendConfigException e = assertThrows(BackendConfigException.class,
                () -> TapBackendProvider.toTapConfig(validate("tap:ifname=sixteen-chars-xx")));
        assertTrue(e.getMessage().contains("ifname=<text>"), e.getMessage());
    }
}
