package io.virtio4j.ovs.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import io.virtio4j.ovs.testing.ChildJvm;

import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A counters file written through one mapping is read through another, and from another JVM. */
class CountersFileTest {
    @TempDir
    Path dir;

    @Test
    void anotherMappingSeesTheLabelsAndLiveValues() {
        Path file = dir.resolve("switch.counters");
        try (CountersFile counters = CountersFile.create(file, 64)) {
            AtomicCounter rx = counters.manager().newCounter("port:vm1:rx_frames");
            AtomicCounter tx = counters.manager().newCounter("port:vm1:tx_frames");
            AtomicCounter ttl = counters.manager().newCounter("drop:ttl_expired");
            rx.set(1_000_000_007L);
            tx.increment();
            ttl.getAndAdd(3);

            CountersFileReader reader = CountersFileReader.open(file);
            assertEquals(ProcessHandle.current().pid(), reader.writerPid());
            assertTrue(reader.writerAlive());
            assertEquals(List.of(new CounterValue(rx.id(), "port:vm1:rx_frames", 1_000_000_007L),
                    new CounterValue(tx.id(), "port:vm1:tx_frames", 1),
                    new CounterValue(ttl.id(), "drop:ttl_expired", 3)), reader.snapshot());

            // The reader maps the writer's pages: a later increment shows without reopening.
            rx.increment();
            AtomicCounter late = counters.manager().newCounter("pmd:0:busy_cycles");
            late.set(42);
            assertEquals(1_000_000_008L, reader.reader().getCounterValue(rx.id()));
            assertEquals("pmd:0:busy_cycles", reader.reader().getCounterLabel(late.id()));
            assertEquals(4, reader.snapshot().size());
        }
        assertFalse(Files.exists(file), "close deletes the counters file");
    }

    @Test
    void aSeparateJvmPrintsTheSameCountersGrouped() throws Exception {
        Path file = dir.resolve("switch.counters");
        try (CountersFile counters = CountersFile.create(file, 16)) {
            counters.manager().newCounter("port:vm1:rx_frames").set(123_456);
            counters.manager().newCounter("port:vm2:rx_frames").set(7);
            counters.manager().newCounter("drop:no_route").set(99);
            ChildJvm.Result child = ChildJvm.run(CountersFilePrinter.class, file.toString());
            assertEquals(0, child.exitStatus(), child.output());
            String output = child.output();
            List<String> lines = output.lines().toList();
            assertEquals("counters of pid " + ProcessHandle.current().pid(), lines.get(0).substring(0, lines.get(0).indexOf(" (")));
            assertEquals(List.of(
                    "group     counter     value",
                    "port:vm1  rx_frames  123456",
                    "port:vm2  rx_frames       7",
                    "drop      no_route       99"), lines.subList(1, lines.size()));
        }
    }

    @Test
    void groupsByLabelPrefixInOrderOfFirstAppearance() {
        List<CounterValue> values = List.of(new CounterValue(0, "port:a:rx", 1), new CounterValue(1, "drop:ttl", 2),
                new CounterValue(2, "port:a:tx", 3), new CounterValue(3, "uptime", 4));
        Map<String, List<CounterValue>> groups = CountersFilePrinter.groupByPrefix(values);
        assertEquals(List.of("port:a", "drop", ""), List.copyOf(groups.keySet()));
        assertEquals(List.of("rx", "tx"), groups.get("port:a").stream().map(CounterValue::name).toList());
        assertEquals("uptime", groups.get("").get(0).name());
    }

    @Test
    void pivotsOneKindIntoRowsAndColumns() {
        List<CounterValue> values = List.of(new CounterValue(0, "port:vm1:rx_frames", 10), new CounterValue(1, "port:vm1:tx_frames", 20),
                new CounterValue(2, "drop:ttl_expired", 1), new CounterValue(3, "port:vm2:rx_frames", 30),
                new CounterValue(4, "port:vm2:rx_dropped", 4), new CounterValue(5, "pmd:0:frames", 99), new CounterValue(6, "port:x", 5));
        assertEquals(List.of(
                "port  rx_frames  tx_frames  rx_dropped",
                "vm1          10         20           -",
                "vm2          30          -           4"), CountersFilePrinter.pivot(values, "port").lines());
        assertEquals(List.of("pmd  frames", "0        99"), CountersFilePrinter.pivot(values, "pmd").lines());
        assertEquals(List.of("vlan"), CountersFilePrinter.pivot(values, "vlan").lines());
    }

    @Test
    void aSecondLiveWriterIsRefused() {
        Path file = dir.resolve("switch.counters");
        try (CountersFile first = CountersFile.create(file, 8)) {
            CountersFileException e = assertThrows(CountersFileException.class, () -> CountersFile.create(file, 8));
            assertTrue(e.getMessage().contains("belongs to a running process (pid " + ProcessHandle.current().pid() + ")"),
                    e.getMessage());
            first.manager().newCounter("still:mine").set(5);
            assertEquals(5, CountersFileReader.open(file).snapshot().get(0).value());
        }
    }

    @Test
    void aStaleFileIsRefusedUnlessAskedForAndThenReplaced() throws Exception {
        Path file = dir.resolve("switch.counters");
        long deadPid = deadPid();
        try (CountersFile counters = CountersFile.create(file, 8)) {
            counters.manager().newCounter("port:vm1:rx_frames").set(11);
            // Pretend a crashed switch wrote it: its pid no longer runs.
            patch(file, CountersFileHeader.PID_OFFSET, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, deadPid));
            CountersFileException e = assertThrows(CountersFileException.class, () -> CountersFileReader.open(file));
            assertTrue(e.getMessage().contains("is stale: its writer (pid " + deadPid), e.getMessage());
            CountersFileReader stale = CountersFileReader.open(file, true);
            assertFalse(stale.writerAlive());
            assertEquals(11, stale.snapshot().get(0).value());

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, CountersFilePrinter.run(new String[] {file.toString(), "--stale-ok"}, new PrintStream(out), System.err));
            assertTrue(out.toString().contains("STALE"), out.toString());

            // A new writer replaces a stale file rather than refusing it.
            try (CountersFile replacement = CountersFile.create(file, 8)) {
                assertTrue(CountersFileReader.open(file).snapshot().isEmpty());
            }
        }
    }

    @Test
    void garbageIsNotACountersFile() throws IOException {
        Path file = dir.resolve("garbage");
        byte[] bytes = new byte[8192];
        new java.util.Random(7).nextBytes(bytes);
        Files.write(file, bytes);
        assertMessage(file, "does not start with the magic V4JCNTRS; not a virtio4j counters file");
        Files.write(file, "hello\n".getBytes(StandardCharsets.US_ASCII));
        assertMessage(file, "is 6 bytes, shorter than the 4096-byte header");
        assertMessage(dir.resolve("absent"), "no counters file " + dir.resolve("absent") + "; is the switch running");
    }

    @Test
    void aCorruptHeaderOrTruncatedFileSaysSo() throws IOException {
        Path file = dir.resolve("switch.counters");
        try (CountersFile counters = CountersFile.create(file, 8)) {
            Path copy = dir.resolve("copy");
            Files.copy(file, copy);
            patch(copy, CountersFileHeader.VERSION_OFFSET, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 9));
            assertMessage(copy, "is counters file version 9; this reader knows version 1");

            Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            patch(copy, CountersFileHeader.VALUES_LENGTH_OFFSET, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 100));
            assertMessage(copy, "has an inconsistent header");

            Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                channel.truncate(channel.size() - 128);
            }
            assertMessage(copy, "the file is truncated or corrupt");
        }
    }

    @Test
    void aCorruptLabelLengthIsAnErrorNotACrash() throws IOException {
        Path file = dir.resolve("switch.counters");
        try (CountersFile counters = CountersFile.create(file, 8)) {
            counters.manager().newCounter("port:vm1:rx_frames");
            Path copy = dir.resolve("copy");
            Files.copy(file, copy);
            // Counter 0's label length, in the metadata right after the header.
            int labelLength = CountersFileHeader.LENGTH + org.agrona.concurrent.status.CountersReader.LABEL_OFFSET;
            patch(copy, labelLength, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, Integer.MAX_VALUE));
            CountersFileReader reader = CountersFileReader.open(copy, true);
            CountersFileException e = assertThrows(CountersFileException.class, reader::snapshot);
            assertTrue(e.getMessage().contains("counter 0 claims a label of 2147483647 bytes (at most 380): corrupt counter metadata"), e.getMessage());
            assertEquals(2, CountersFilePrinter.run(new String[] {copy.toString(), "--stale-ok"}, new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(new ByteArrayOutputStream())));
        }
    }

    @Test
    void printerUsageAndErrorsExitTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, CountersFilePrinter.run(new String[0], System.out, new PrintStream(err)));
        assertEquals(2, CountersFilePrinter.run(new String[] {dir.resolve("none").toString()}, System.out, new PrintStream(err)));
        assertTrue(err.toString().contains("usage: CountersFilePrinter FILE [--stale-ok]"), err.toString());
        assertTrue(err.toString().contains("counters: no counters file"), err.toString());
    }

    @Test
    void sizeLimitsAreChecked() {
        assertThrows(CountersFileException.class, () -> CountersFile.create(dir.resolve("x"), 0));
        assertThrows(CountersFileException.class, () -> CountersFile.create(dir.resolve("x"), CountersFileHeader.MAX_COUNTERS + 1));
        try (CountersFile counters = CountersFile.create(dir.resolve("x"), 3)) {
            assertEquals(3, counters.capacity());
            for (int i = 0; i < 3; i++) {
                counters.manager().newCounter("c:" + i);
            }
            // Agrona refuses a fourth: the file never grows past what readers mapped.
            assertThrows(IllegalStateException.class, () -> counters.manager().newCounter("c:3"));
        }
    }

    private static void assertMessage(Path file, String expected) {
        CountersFileException e = assertThrows(CountersFileException.class, () -> CountersFileReader.open(file, true));
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    private static void patch(Path file, int offset, ByteBuffer bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(bytes.rewind(), offset);
        }
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        p.waitFor();
        return p.pid();
    }
}
