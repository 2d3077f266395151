package io.virtio4j.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.PingResponder;
import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.Prerequisites;

import org.junit.jupiter.api.Test;

/** ping in the namespace, answered over the TAP fd by a Java ARP + ICMP echo responder. */
@NeedsKernel
class TapPingTest extends KernelTestSupport {
    @Test
    void pingFromTheNamespaceIsAnsweredThroughTheTap() {
        Prerequisites.requireExecutable("ping", "install iputils-ping");
        try (TapFixture tap = new TapFixture(1); NetNs ns = NetNs.create()) {
            ns.configure(tap.name(), "10.199.3.1/24");
            PingResponder responder = new PingResponder(PEER_MAC, "10.199.3.2");
            Process ping = ns.start("ping", "-c", "3", "-i", "0.2", "-W", "2", "10.199.3.2");
            responder.serve(tap, 10_000, () -> !ping.isAlive());
            String output = NetNs.await(ping, 5);
            assertTrue(output.contains("3 received"), output);
            assertEquals(3, responder.echoReplies());
            assertTrue(responder.arpReplies() >= 1, "the namespace resolved the peer by ARP through the TAP");
            assertTrue(ns.exec("ip", "neigh", "show", "10.199.3.2").contains(PEER_MAC));
        }
    }
}
