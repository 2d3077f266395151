package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.PortOffload;
import io.virtio4j.ovs.model.PortSpec;

/** The per-port {@code offloads} key: its default, its forms, and the feature bits it stands for. */
class OffloadsConfigTest {
    private static PortSpec port(String extra) {
        SwitchConfig config = SwitchConfigReader.parse("switch.conf", """
                [port vm1]
                type = vhost-user-server
                path = /run/vm1.sock
                vlan = 10
                """ + extra + """
                [port t1]
                type = tap
                ifname = t1
                vlan = 10
                """, Path.of("/etc"));
        return config.spec().ports().getFirst();
    }

    @Test
    void aVhostUserPortOffersEveryOffloadByDefaultATapNone() {
        assertEquals(EnumSet.allOf(PortOffload.class), port("").offloads());
        SwitchConfig config = SwitchConfigReader.parse("switch.conf", "[port t1]\ntype = tap\nifname = t1\nvlan = 10\n", Path.of("/etc"));
        assertEquals(Set.of(), config.spec().ports().getFirst().offloads());
    }

    @Test
    void aListOrNoneIsRead() {
        assertEquals(Set.of(PortOffload.CSUM), port("offloads = csum\n").offloads());
        assertEquals(Set.of(PortOffload.CSUM, PortOffload.TSO6), port("offloads = tso6, csum\n").offloads());
        assertEquals(Set.of(), port("offloads = none\n").offloads());
    }

    @Test
    void offloadsAreTheVirtioFeaturePairs() {
        // CSUM 0, GUEST_CSUM 1, GUEST_TSO4 7, GUEST_TSO6 8, HOST_TSO4 11, HOST_TSO6 12.
        assertEquals(0b1_1001_1000_0011L, PortOffload.features(EnumSet.allOf(PortOffload.class)));
        assertEquals(0b11L, PortOffload.features(Set.of(PortOffload.CSUM)));
        assertEquals(0L, PortOffload.features(Set.of()));
    }

    @Test
    void theWriterWritesWhatTheReaderReads() {
        SwitchConfig config = SwitchConfigReader.parse("switch.conf", """
                [port vm1]
                type = vhost-user-server
                path = /run/vm1.sock
                vlan = 10
                offloads = csum,tso4
                [port vm2]
                type = vhost-user-server
                path = /run/vm2.sock
                vlan = 10
                offloads = none
                """, Path.of("/etc"));
        SwitchConfig again = SwitchConfigReader.parse("again.conf", SwitchConfigWriter.write(config), Path.of("/etc"));
        assertEquals(Set.of(PortOffload.CSUM, PortOffload.TSO4), again.spec().ports().get(0).offloads());
        assertEquals(Set.of(), again.spec().ports().get(1).offloads());
    }
}
