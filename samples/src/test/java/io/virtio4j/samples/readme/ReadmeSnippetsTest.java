package io.virtio4j.samples.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.kvm.KvmBinding;
import io.virtio4j.api.kvm.KvmStructs;
import io.virtio4j.api.memory.MemfdGuestMemory;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.status.DeviceStatus;
import io.virtio4j.spi.BackendConfigException;
import io.virtio4j.spi.mmio.MmioRegisters;
import io.virtio4j.spi.testing.MmioNetDriver;

/**
 * The READMEs' Java code is {@link ReadmeSnippets}' code: every {@code java} block of README.md and
 * of each module's README equals the snippet its {@code <!-- snippet: NAME -->} line names, every
 * snippet is quoted somewhere, and the snippets run (over mocks where a VM or device is missing).
 */
class ReadmeSnippetsTest {
    private static final Path ROOT = repositoryRoot();
    private static final Path SOURCE = ROOT.resolve("samples/src/main/java/io/virtio4j/samples/readme/ReadmeSnippets.java");
    private static final Pattern MARKER = Pattern.compile("<!-- snippet: ([a-z0-9-]+) -->");
    private static final Pattern REGION = Pattern.compile("(?m)^[ \\t]*// readme:([a-z0-9-]+) start\\n(.*?)^[ \\t]*// readme:\\1 end$",
            Pattern.DOTALL);

    private static Path repositoryRoot() {
        // Surefire runs in the module directory; the READMEs are one level up.
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("samples")) ? here : here.getParent();
    }

    /** One {@code java} block of a README: where it is, the snippet it names, its text. */
    record Block(String where, String snippet, String text) {
    }

    static List<Path> readmes() throws IOException {
        List<Path> found = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> modules = Files.list(ROOT)) {
            modules.map(m -> m.resolve("README.md")).filter(Files::isRegularFile).sorted().forEach(found::add);
        }
        return found;
    }

    static List<Block> javaBlocks(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        List<Block> blocks = new ArrayList<>();
        String marker = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.startsWith("```java")) {
                String where = ROOT.relativize(readme) + ":" + (i + 1);
                if (marker == null) {
                    fail(where + ": a java block needs a '<!-- snippet: NAME -->' line right before it, naming its method's region in "
                            + ROOT.relativize(SOURCE));
                }
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).strip().equals("```")) {
                    end++;
                }
                blocks.add(new Block(where, marker, normalise(String.join("\n", lines.subList(i + 1, end)))));
                i = end;
                marker = null;
                continue;
            }
            Matcher m = MARKER.matcher(line);
            if (m.matches()) {
                marker = m.group(1);
            } else if (!line.isEmpty()) {
                marker = null;
            }
        }
        return blocks;
    }

    static Map<String, String> regions() throws IOException {
        Map<String, String> regions = new LinkedHashMap<>();
        Matcher m = REGION.matcher(Files.readString(SOURCE));
        while (m.find()) {
            assertTrue(regions.put(m.group(1), normalise(m.group(2))) == null, "region " + m.group(1) + " twice");
        }
        return regions;
    }

    /** Without the common indentation, trailing blanks and blank first and last lines. */
    static String normalise(String text) {
        List<String> lines = new ArrayList<>(text.lines().map(String::stripTrailing).toList());
        while (!lines.isEmpty() && lines.getFirst().isEmpty()) {
            lines.removeFirst();
        }
        while (!lines.isEmpty() && lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        int indent = lines.stream().filter(l -> !l.isEmpty()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return String.join("\n", lines.stream().map(l -> l.isEmpty() ? l : l.substring(indent)).toList());
    }

    @Test
    void everyJavaBlockInTheReadmesIsACompiledSnippet() throws IOException {
        Map<String, String> regions = regions();
        assertFalse(regions.isEmpty(), "no '// readme:NAME start' regions in " + SOURCE);
        TreeSet<String> quoted = new TreeSet<>();
        int blocks = 0;
        for (Path readme : readmes()) {
            for (Block b : javaBlocks(readme)) {
                blocks++;
                String expected = regions.get(b.snippet());
                assertTrue(expected != null, b.where() + " names snippet '" + b.snippet() + "', which " + ROOT.relativize(SOURCE)
                        + " does not have; it has " + regions.keySet());
                assertEquals(expected, b.text(), b.where() + " differs from snippet '" + b.snippet() + "' in " + ROOT.relativize(SOURCE)
                        + "; paste this into the README:\n" + expected + "\n");
                quoted.add(b.snippet());
            }
        }
        assertEquals(regions.keySet(), quoted, "every snippet is quoted by a README");
        assertTrue(blocks >= 3, "found only " + blocks + " java blocks");
    }

    @Test
    void theCheckNoticesADriftedBlock() throws IOException {
        // The check itself: a README whose block lost a call fails, one without a marker fails.
        Path readme = Files.createTempFile("README", ".md");
        try {
            Files.writeString(readme, "<!-- snippet: embed-device -->\n```java\nGuestMemory memory = MemfdGuestMemory.create(...);\n```\n");
            Block drifted = javaBlocks(readme).getFirst();
            assertFalse(regions().get(drifted.snippet()).equals(drifted.text()));
            Files.writeString(readme, "Some text\n```java\nint x = 1;\n```\n");
            assertThrows(AssertionError.class, () -> javaBlocks(readme));
        } finally {
            Files.delete(readme);
        }
    }

    @Test
    void theEmbeddingSnippetBuildsADeviceADriverBringsUp() {
        MmioNetDriver.Shape shape = new MmioNetDriver.Shape(1, 256, 2048, 2048);
        long fdsBefore = openFds();
        try (ReadmeSnippets.Embedded e = ReadmeSnippets.embedDevice(List.of(new MemfdGuestMemory.Range(0, shape.memoryBytes())));
             Arena arena = Arena.ofConfined()) {
            assertEquals(0x74726976, e.mmio().read(MmioRegisters.MAGIC_VALUE, 4), "'virt' at offset 0");
            assertEquals(1, e.mmio().read(MmioRegisters.DEVICE_ID, 4), "a network device");
            assertEquals("vhost-user", e.backend().name());
            // An in-process driver plays the guest through the snippet's transport, as Linux's virtio_mmio would.
            MmioNetDriver driver = new MmioNetDriver(e.mmio(), e.ram().memory(), shape, arena);
            long negotiated = driver.start(Features.of(VirtioFeature.VERSION_1, VirtioFeature.NET_MAC));
            assertTrue(VirtioFeature.VERSION_1.in(negotiated), Features.describe(negotiated));
            assertTrue((driver.status() & DeviceStatus.DRIVER_OK) != 0, "status 0x" + Integer.toHexString(driver.status()));
            assertEquals(0, driver.status() & DeviceStatus.DEVICE_NEEDS_RESET);
            driver.reset();
        }
        assertEquals(fdsBefore, awaitFdCount(fdsBefore), "closing what the snippet opened leaves no fd open");
    }

    @Test
    void theKvmSnippetBindsEveryQueueAndTheInterruptAndUndoesIt() {
        int vmFd = 42;
        List<String> ioctls = new ArrayList<>();
        Platform kvm = mock(Platform.class);
        doAnswer(inv -> {
            long request = inv.getArgument(1);
            MemorySegment arg = inv.getArgument(2);
            if (request == KvmStructs.KVM_IOEVENTFD) {
                ioctls.add("ioeventfd fd=" + arg.get(ValueLayout.JAVA_INT, KvmStructs.IOEVENTFD_FD)
                        + " addr=0x" + Long.toHexString(arg.get(ValueLayout.JAVA_LONG, KvmStructs.IOEVENTFD_ADDR))
                        + " match=" + arg.get(ValueLayout.JAVA_LONG, KvmStructs.IOEVENTFD_DATAMATCH)
                        + " flags=" + arg.get(ValueLayout.JAVA_INT, KvmStructs.IOEVENTFD_FLAGS));
            } else if (request == KvmStructs.KVM_IRQFD) {
                ioctls.add("irqfd fd=" + arg.get(ValueLayout.JAVA_INT, KvmStructs.IRQFD_FD)
                        + " gsi=" + arg.get(ValueLayout.JAVA_INT, KvmStructs.IRQFD_GSI)
                        + " flags=" + arg.get(ValueLayout.JAVA_INT, KvmStructs.IRQFD_FLAGS));
            }
            return 0;
        }).when(kvm).ioctl(eq(vmFd), anyLong(), any(MemorySegment.class));
        try (ReadmeSnippets.Embedded e = ReadmeSnippets.embedDevice(List.of(new MemfdGuestMemory.Range(0, 1 << 20)))) {
            List<KvmBinding> bindings = ReadmeSnippets.bindToKvm(kvm, vmFd, e.device(), e.irq(), 0xd000_0000L, 5);
            List<String> expected = new ArrayList<>();
            for (int q = 0; q < e.device().queueCount(); q++) {
                expected.add("ioeventfd fd=" + e.device().kickNotifier(q).fd() + " addr=0xd0000050 match=" + q
                        + " flags=" + KvmStructs.IOEVENTFD_FLAG_DATAMATCH);
            }
            expected.add("irqfd fd=" + e.irq().fd() + " gsi=5 flags=0");
            assertEquals(3, e.device().queueCount(), "rx0, tx0 and the control queue");
            assertEquals(expected, ioctls);
            ioctls.clear();
            for (KvmBinding b : bindings) {
                b.close();
            }
            assertEquals(4, ioctls.size(), "one deassign per binding: " + ioctls);
            assertTrue(ioctls.getLast().endsWith("flags=" + KvmStructs.IRQFD_FLAG_DEASSIGN), ioctls.getLast());
        }
    }

    @Test
    void theVhostNetSnippetsSpecIsValidAndAMissingDeviceIsNamed() {
        Assumptions.assumeFalse(Files.exists(Path.of("/dev/vhost-net")),
                "this host has /dev/vhost-net: DeviceWithBackendVhostNetGuestTest runs a vhost-net device; here only its refusal is checked");
        try (MemfdGuestMemory ram = MemfdGuestMemory.create("vhost-net-snippet", 0, 1 << 20)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> ReadmeSnippets.vhostNetDevice(ram.memory()).close());
            // Not a configuration error: the spec was accepted and opening the device failed, saying why.
            assertFalse(e instanceof BackendConfigException, e.toString());
            assertTrue(e.getMessage().contains("/dev/vhost-net") && e.getMessage().contains("modprobe vhost_net"), e.getMessage());
        }
    }

    /** This process's open fds (virtio-api's test OpenFds sits in a package the module io.virtio4j.api owns, out of reach here). */
    private static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long awaitFdCount(long wanted) {
        // The backend's supervisor thread closes its last socket as it exits; give it a moment.
        long deadline = System.nanoTime() + 2_000_000_000L;
        long now = openFds();
        while (now != wanted && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            now = openFds();
        }
        return now;
    }
}
