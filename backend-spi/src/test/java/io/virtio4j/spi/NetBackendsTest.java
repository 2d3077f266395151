package io.virtio4j.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.virtio4j.spi.testing.FakeWireProvider;

class NetBackendsTest {
    private final NetBackends registry = NetBackends.discover();

    @Test
    void providersAreFoundWithServiceLoaderAndChosenByName() {
        assertTrue(registry.provider("fake-wire").isPresent(), registry.usage());
        try (NetBackend backend = registry.open(BackendSpec.parse("fake-wire:path=/run/vm1.sock,queues=4"))) {
            assertEquals("fake-wire", backend.name());
            assertEquals(4, backend.maxQueuePairs());
        }
    }

    @Test
    void optionsAreParsedTypedWithDefaults() {
        BackendConfig config = registry.validate(BackendSpec.parse("fake-wire:path=/run/a.sock,mode=CLIENT,reconnect=250ms"));
        assertEquals("/run/a.sock", config.get(FakeWireProvider.PATH));
        assertEquals("client", config.get(FakeWireProvider.MODE));
        assertEquals(Duration.ofMillis(250), config.get(FakeWireProvider.RECONNECT));
        assertEquals(1, config.get(FakeWireProvider.QUEUES));
    }

    @Test
    void aMapWorksLikeAString() {
        BackendConfig config = registry.validate(BackendSpec.of(Map.of("backend", "fake-wire", "path", "/x", "queues", "2")));
        assertEquals(2, config.get(FakeWireProvider.QUEUES));
    }

    @Test
    void anUnknownBackendListsTheKnownOnes() {
        BackendConfigException e = assertThrows(BackendConfigException.class, () -> registry.open(BackendSpec.parse("tapp:ifname=x")));
        assertTrue(e.getMessage().contains("unknown backend 'tapp'"), e.getMessage());
        assertTrue(e.getMessage().contains("fake-wire"), e.getMessage());
    }

    @Test
    void anUnknownOptionListsTheValidOptions() {
        BackendConfigException e = assertThrows(BackendConfigException.class,
                () -> registry.validate(BackendSpec.parse("fake-wire:path=/x,queus=2")));
        assertTrue(e.getMessage().contains("unknown option 'queus'"), e.getMessage());
        assertTrue(e.getMessage().contains("queues=<an integer 1..16>"), e.getMessage());
    }

    @Test
    void aMistypedNameGetsADidYouMean() {
        assertTrue(assertThrows(BackendConfigException.class, () -> registry.validate(BackendSpec.parse("fake-wire:pth=/x")))
                .getMessage().startsWith("unknown option 'pth' for backend 'fake-wire' (did you mean 'path'?); valid options:\n"));
        assertTrue(assertThrows(BackendConfigException.class, () -> registry.open(BackendSpec.parse("fake-wier:path=/x")))
                .getMessage().startsWith("unknown backend 'fake-wier' (did you mean 'fake-wire'?); known backends: "));
        assertTrue(assertThrows(BackendConfigException.class, () -> registry.validate(BackendSpec.parse("fake-wire:path=/x,mode=clinet")))
                .getMessage().endsWith("expected one of client|server (did you mean 'client'?)"));
        // Nothing close: no suggestion, only the list.
        assertFalse(assertThrows(BackendConfigException.class, () -> registry.validate(BackendSpec.parse("fake-wire:path=/x,mtu=9000")))
                .getMessage().contains("did you mean"));
    }

    @Test
    void malformedValuesSayWhatIsExpected() {
        assertTrue(assertThrows(BackendConfigException.class,
                () -> registry.validate(BackendSpec.parse("fake-wire:path=/x,queues=99"))).getMessage()
                .contains("expected an integer 1..16"));
        assertTrue(assertThrows(BackendConfigException.class,
                () -> registry.validate(BackendSpec.parse("fake-wire:path=/x,reconnect=soon"))).getMessage()
                .contains("a duration like"));
        assertTrue(assertThrows(BackendConfigException.class,
                () -> registry.validate(BackendSpec.parse("fake-wire:path=/x,mode=peer"))).getMessage()
                .contains("one of client|server"));
    }

    @Test
    void missingRequiredAndMalformedSyntaxAreRefused() {
        assertTrue(assertThrows(BackendConfigException.class,
                () -> registry.validate(BackendSpec.parse("fake-wire"))).getMessage().contains("needs option 'path'"));
        assertThrows(BackendConfigException.class, () -> BackendSpec.parse("fake-wire:path"));
        assertThrows(BackendConfigException.class, () -> BackendSpec.parse("fake-wire:path=a,path=b"));
        assertThrows(BackendConfigException.class, () -> BackendSpec.parse(":path=a"));
        assertThrows(BackendConfigException.class, () -> BackendSpec.of(Map.of("path", "/x")));
    }

    @Test
    void specsPrintBackAsTheyWereWritten() {
        assertEquals("tap:ifname=vt0,queues=2", BackendSpec.parse(" tap:ifname=vt0, queues=2 ").toString());
    }
}
