package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code pmd-cpus}: the CPU of each PMD thread, as a Linux CPU list, checked against pmd-threads. */
class PmdCpusConfigTest {
    private static SwitchConfig parse(String switchLines) {
        return SwitchConfigReader.parse("switch.conf", "[switch]\n" + switchLines, Path.of("/etc"));
    }

    private static String error(String switchLines) {
        return assertThrows(ConfigException.class, () -> parse(switchLines)).getMessage();
    }

    @Test
    void aCpuListSetsOnePmdPerCpuInItsOrder() {
        SwitchConfig c = parse("pmd-cpus = 3,1\n");
        assertEquals(List.of(3, 1), c.pmdCpus());
        assertEquals(2, c.spec().pmdThreads(), "pmd-threads follows the list when left out");
        assertEquals(List.of(2, 3, 4, 0), parse("pmd-cpus = 2-4, 0\npmd-threads = 4\n").pmdCpus());
        assertEquals(List.of(), parse("pmd-threads = 2\n").pmdCpus(), "no key: nothing pinned");
    }

    @Test
    void theWriterWritesItBack() {
        SwitchConfig c = parse("pmd-cpus = 1-2\n");
        SwitchConfig again = SwitchConfigReader.parse("switch.conf", SwitchConfigWriter.write(c), Path.of("/etc"));
        assertEquals(List.of(1, 2), again.pmdCpus());
    }

    @Test
    void badListsAreRefusedAtTheirLine() {
        assertTrue(error("pmd-threads = 1\npmd-cpus = 0,1\n").contains("switch.conf:3: pmd-cpus names 2 CPUs but pmd-threads = 1"),
                error("pmd-threads = 1\npmd-cpus = 0,1\n"));
        assertTrue(error("pmd-cpus = 1,1\n").contains("CPU 1 is named twice"));
        assertTrue(error("pmd-cpus = 0-2,2\n").contains("CPU 2 is named twice"));
        assertTrue(error("pmd-cpus = one\n").contains("is not a CPU list"));
        assertTrue(error("pmd-cpus = 1,\n").contains("is not a CPU list"));
        assertTrue(error("pmd-cpus = 3-1\n").contains("'3-1' is not a CPU range"));
        assertTrue(error("pmd-cpus = 9999\n").contains("is not a CPU range in 0..4095"));
    }
}
