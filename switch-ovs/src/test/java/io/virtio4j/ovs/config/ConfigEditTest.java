package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The text edits behind {@code ctl add-port}/{@code del-port}/{@code set-port}, and where their errors point. */
class ConfigEditTest {
    private static final Map<String, Set<String>> EXCLUSIVE = Map.of("vlan", Set.of("trunk"), "trunk", Set.of("vlan"));
    private static final String TEXT = """
            # top comment
            [switch]
            pmd-threads = 2

            # the first guest
            [port vm1]
            type = in-process
            vlan = 10   # office

            [port vm2]
            type = in-process
            trunk = 10,20
            """;

    private static ConfigEdit edit(String command) {
        return ConfigEdit.of("sw.conf", TEXT, command);
    }

    @Test
    void addAppendsTheSectionAndKeepsEverythingElse() {
        ConfigEdit e = edit("add-port vm3").addSection("port", "vm3", List.of("type=in-process", "vlan=30"));
        assertEquals(TEXT + "\n[port vm3]\ntype = in-process\nvlan = 30\n", e.text());
        assertEquals(3, e.read(Path.of("/tmp")).spec().ports().size());
    }

    @Test
    void deleteRemovesTheSectionAndTheBlankLinesAfterIt() {
        String text = edit("del-port vm1").removeSection("port", "vm1").text();
        assertEquals("""
                # top comment
                [switch]
                pmd-threads = 2

                # the first guest
                [port vm2]
                type = in-process
                trunk = 10,20
                """, text);
    }

    @Test
    void setReplacesKeysInPlaceAddsNewOnesAndDropsTheExclusiveOne() {
        String text = edit("set-port vm2").setKeys("port", "vm2", List.of("vlan=30", "pmd=1"), EXCLUSIVE).text();
        assertTrue(text.endsWith("[port vm2]\ntype = in-process\nvlan = 30\npmd = 1\n"), text);
        String inPlace = edit("set-port vm1").setKeys("port", "vm1", List.of("vlan=11"), EXCLUSIVE).text();
        assertTrue(inPlace.contains("[port vm1]\ntype = in-process\nvlan = 11\n\n[port vm2]"), "the line is replaced: " + inPlace);
    }

    @Test
    void anErrorInAWrittenLineNamesTheWordAndOneInAKeptLineTheFilesLine() {
        ConfigEdit bad = edit("set-port vm2").setKeys("port", "vm2", List.of("pmd=7"), EXCLUSIVE);
        IllegalArgumentException word = assertThrows(IllegalArgumentException.class, () -> bad.read(Path.of("/tmp")));
        assertEquals("set-port vm2 pmd=7: pmd = '7': write auto or a PMD index 0..1 (pmd-threads = 2 in [switch])",
                word.getMessage());

        String broken = TEXT.replace("trunk = 10,20", "trunk = 10,x");
        ConfigEdit kept = ConfigEdit.of("sw.conf", broken, "add-port vm3").addSection("port", "vm3",
                List.of("type=in-process", "vlan=30"));
        ConfigException line = assertThrows(ConfigException.class, () -> kept.read(Path.of("/tmp")));
        assertEquals(12, line.line(), "the line in the file as it is: " + line.getMessage());
        assertTrue(line.getMessage().startsWith("sw.conf:12: "), line.getMessage());

        // Lines after a removed section keep their numbers in errors.
        ConfigEdit removed = ConfigEdit.of("sw.conf", broken, "del-port vm1").removeSection("port", "vm1");
        assertEquals(12, assertThrows(ConfigException.class, () -> removed.read(Path.of("/tmp"))).line());
    }

    @Test
    void malformedWordsAndMissingSectionsAreRefused() {
        assertEquals("add-port vm3: 'vlan' is not key=value (for example vlan=10)", assertThrows(IllegalArgumentException.class,
                () -> edit("add-port vm3").addSection("port", "vm3", List.of("vlan"))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> edit("add-port vm3").addSection("port", "vm3",
                List.of("Type=x"))).getMessage().contains("'Type' is not a key"));
        assertEquals("there is no [port vm9] in sw.conf; the ports there: vm1, vm2", assertThrows(IllegalArgumentException.class,
                () -> edit("del-port vm9").removeSection("port", "vm9")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> edit("add-port vm1").addSection("port", "vm1",
                List.of("type=in-process"))).getMessage().startsWith("[port vm1] already exists (sw.conf:6)"));
    }
}
