package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.ovs.config.SwitchConfigReader;
import io.virtio4j.ovs.model.Ipv4;
import io.virtio4j.ovs.model.SwitchSpec;
import io.virtio4j.ovs.testing.Frames;
import io.virtio4j.ovs.pipeline.OvsPipeline;
import io.virtio4j.ovs.pipeline.Verdict;
import io.virtio4j.ovs.testing.TwoVpcs;
import io.virtio4j.spi.net.MacAddress;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The running flow program's tables, asked for over a real control socket after the pipeline has seen traffic. */
class PipelineTablesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final long HOST = MacAddress.parse("52:54:00:00:00:0a");
    private static final int HOST_IP = Ipv4.parse("10.0.1.10");

    @TempDir
    Path dir;
    private ControlServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void fdbNeighboursRoutesAndCountersReflectWhatThePipelineSaw() {
        SwitchSpec spec = SwitchConfigReader.parse("lab.conf", TwoVpcs.SECTIONS + """
                [switch]
                l3 = ovs-only
                [neighbour router]
                ip = 10.0.2.254
                mac = 02:00:00:00:02:fe
                vlan = 20
                """, dir).spec();
        long now = System.nanoTime(); // the data path's clock: the handlers age entries against it
        OvsPipeline pipeline = new OvsPipeline(spec, now);
        // vm1's host asks for its gateway: the switch learns its MAC and its address, and answers.
        MemorySegment scratch = Frames.scratch();
        Verdict verdict = Frames.process(pipeline, 0, Frames.ethernet(MacAddress.BROADCAST, HOST, 0, 0x0806,
                Frames.arp(1, HOST, HOST_IP, 0, Ipv4.parse("10.0.1.1"))), now, scratch, new Verdict());
        assertTrue(verdict.replyLength() > 0, "the gateway answered the ARP request");

        CommandRegistry registry = new CommandRegistry();
        SwitchSpecTables.register(registry, spec);
        PipelineTables.register(registry, pipeline);
        server = ControlServer.start(dir.resolve("ctl.sock"), registry, ControlLimits.DEFAULT);

        List<String> fdb = ask("fdb");
        assertEquals(2, fdb.size(), fdb.toString());
        assertEquals("port  VLAN  MAC", fdb.get(0).substring(0, 15));
        assertTrue(fdb.get(1).startsWith("vm1     10  52:54:00:00:00:0a"), fdb.get(1));

        assertEquals(List.of("VLAN  IP          MAC                source",
                "  10  10.0.1.10   52:54:00:00:00:0a  learned",
                "  20  10.0.2.254  02:00:00:00:02:fe  static"), sorted(ask("neighbours")));
        List<String> routes = ask("routes");
        assertEquals("VLAN  destination  via        out_VLAN  source_MAC", routes.get(0));
        assertTrue(routes.contains("  10  10.0.2.0/24  connected        20  02:00:00:00:02:01"), routes.toString());

        assertTrue(ask("pipeline").contains("arp_replies             1"), ask("pipeline").toString());
        assertTrue(ask("drops").stream().anyMatch(l -> l.startsWith("ttl_expired")), ask("drops").toString());
        assertTrue(ask("flows").size() > 2, "the flow program has flows");
        assertTrue(ask("tables").get(0).startsWith("table  name"));

        assertEquals(List.of("flushed", "      1"), ask("fdb-flush"));
        assertEquals(1, ask("fdb").size(), "only the header is left");
    }

    private List<String> ask(String command) {
        ControlReply reply = ControlClient.send(dir.resolve("ctl.sock"), command, TIMEOUT);
        assertTrue(reply.ok(), reply.error());
        return reply.lines();
    }

    private static List<String> sorted(List<String> lines) {
        return java.util.stream.Stream.concat(lines.stream().limit(1), lines.stream().skip(1).sorted()).toList();
    }
}
