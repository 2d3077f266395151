package io.virtio4j.api.feature;

import static io.virtio4j.api.feature.VirtioFeature.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;

class FeatureNegotiationTest {
    private static final long OFFER = Features.of(VERSION_1, RING_EVENT_IDX, RING_INDIRECT_DESC,
            NET_CSUM, NET_GUEST_CSUM, NET_GUEST_TSO4, NET_GUEST_TSO6, NET_GUEST_ECN, NET_HOST_TSO4,
            NET_MAC, NET_MRG_RXBUF, NET_CTRL_VQ, NET_CTRL_RX, NET_MQ);

    @Test
    void aConsistentSubsetIsAccepted() {
        FeatureNegotiation n = new FeatureNegotiation(OFFER, FeatureRule.NET);
        long acked = Features.of(VERSION_1, NET_GUEST_CSUM, NET_GUEST_TSO4, NET_MAC);
        assertEquals(acked, n.accept(acked));
        assertTrue(n.has(NET_GUEST_TSO4));
        assertFalse(n.has(NET_MRG_RXBUF));
        n.reset();
        assertEquals(0, n.negotiated());
        assertFalse(n.has(NET_GUEST_TSO4));
    }

    @Test
    void anUnofferedBitFails() {
        FeatureNegotiation n = new FeatureNegotiation(OFFER, FeatureRule.NET);
        FeatureNegotiationException e = assertThrows(FeatureNegotiationException.class,
                () -> n.accept(Features.of(VERSION_1, RING_PACKED) | (1L << 45)));
        assertTrue(e.getMessage().contains("VIRTIO_F_RING_PACKED|bit45"), e.getMessage());
        assertFalse(n.isAccepted());
    }

    @Test
    void aMissingCompanionFails_GuestTso4NeedsGuestCsum() {
        FeatureNegotiation n = new FeatureNegotiation(OFFER, FeatureRule.NET);
        FeatureNegotiationException e = assertThrows(FeatureNegotiationException.class,
                () -> n.accept(Features.of(VERSION_1, NET_GUEST_TSO4)));
        assertEquals(1, e.problems().size());
        assertEquals("VIRTIO_NET_F_GUEST_TSO4 requires VIRTIO_NET_F_GUEST_CSUM", e.problems().get(0));
    }

    @Test
    void anyOfRulesAcceptEitherCompanion() {
        FeatureNegotiation n = new FeatureNegotiation(OFFER, FeatureRule.NET);
        n.accept(Features.of(VERSION_1, NET_GUEST_CSUM, NET_GUEST_TSO6, NET_GUEST_ECN));
        assertThrows(FeatureNegotiationException.class,
                () -> n.accept(Features.of(VERSION_1, NET_GUEST_CSUM, NET_GUEST_ECN)));
        assertThrows(FeatureNegotiationException.class, () -> n.accept(Features.of(VERSION_1, NET_MQ)));
        assertThrows(FeatureNegotiationException.class, () -> n.accept(Features.of(VERSION_1, NET_HOST_TSO4)));
    }

    @Test
    void legacyDriversAreRefused() {
        FeatureNegotiation n = new FeatureNegotiation(OFFER, FeatureRule.NET);
        FeatureNegotiationException e = assertThrows(FeatureNegotiationException.class,
                () -> n.accept(Features.of(NET_MAC)));
        assertTrue(e.problems().get(0).contains("VERSION_1"));
    }

    @Test
    void anInconsistentOfferIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class,
                () -> new FeatureNegotiation(Features.of(VERSION_1, NET_MQ), FeatureRule.NET));
        assertThrows(IllegalArgumentException.class,
                () -> new FeatureNegotiation(Features.of(NET_MAC), FeatureRule.NET));
    }

    @Test
    void describeNamesBitsForLogs() {
        assertEquals("none", Features.describe(0));
        assertEquals("VIRTIO_NET_F_CSUM|VIRTIO_F_VERSION_1", Features.describe(Features.of(VERSION_1, NET_CSUM)));
        assertEquals(NET_MRG_RXBUF, VirtioFeature.ofBit(15));
    }

    /** Every bit number agrees with the kernel's uapi headers, where the header defines it. */
    @NeedsKernel
    @Test
    void bitNumbersMatchTheLinuxHeaders() throws IOException {
        Map<String, Integer> defined = new HashMap<>();
        for (String header : new String[] {"virtio_net.h", "virtio_config.h", "virtio_ring.h", "vhost.h"}) {
            Path p = Path.of("/usr/include/linux", header);
            Prerequisites.require(Files.exists(p), "kernel uapi headers (apt-get install linux-libc-dev)");
            Matcher m = Pattern.compile("#define\\s+(VIRTIO_\\w+|VHOST_\\w+)\\s+(\\d+)\\b").matcher(Files.readString(p));
            while (m.find()) {
                defined.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        }
        int checked = 0;
        for (VirtioFeature f : VirtioFeature.values()) {
            Integer expected = defined.get(f.specName());
            if (expected == null && f.specName().equals("VIRTIO_F_RING_INDIRECT_DESC")) {
                expected = defined.get("VIRTIO_RING_F_INDIRECT_DESC");
            }
            if (expected == null && f.specName().equals("VIRTIO_F_RING_EVENT_IDX")) {
                expected = defined.get("VIRTIO_RING_F_EVENT_IDX");
            }
            if (expected != null) {
                assertEquals(expected, f.bit(), f.specName());
                checked++;
            }
        }
        assertTrue(checked >= 35, "checked only " + checked + " bits against the headers");
    }
}
