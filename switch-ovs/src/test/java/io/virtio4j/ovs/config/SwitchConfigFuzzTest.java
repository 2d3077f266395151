package io.virtio4j.ovs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.junit.jupiter.api.Tag;

import io.virtio4j.testing.TestGroups;

/**
 * Coverage-guided fuzzing of the config reader (Jazzer): any text is either a switch the writer can
 * write back (and that reads back to the same switch) or a {@link ConfigException} that names a
 * line of the text; nothing else escapes. The inputs under {@code SwitchConfigFuzzTestInputs/}
 * (the configs the docs and tests ship, and every finding) run in every test run; scripts/fuzz.sh
 * fuzzes for new ones.
 */
@Tag(TestGroups.FUZZ)
class SwitchConfigFuzzTest {
    private static final String FILE = "fuzz.conf";
    private static final Path BASE = Path.of("/etc/virtio4j");

    @FuzzTest
    void anyTextIsASwitchOrAnErrorOnOneOfItsLines(byte[] input) {
        // The reader decodes strictly (non-UTF-8 is a whole-file error before parsing); what
        // reaches parse is always a string, so decode leniently and fuzz the parser.
        String text = new String(input, StandardCharsets.UTF_8);
        SwitchConfig config;
        try {
            config = SwitchConfigReader.parse(FILE, text, BASE);
        } catch (ConfigException e) {
            int lines = text.split("\r?\n", -1).length;
            // Line 0 is for whole-file problems (unreadable, too big, not UTF-8), which parse never
            // meets: from parse it would be a rule SwitchSpec enforces that the reader forgot to name.
            assertTrue(e.line() >= 1 && e.line() <= lines, "line " + e.line() + " of " + lines + ": " + e.getMessage());
            assertEquals(FILE, e.file());
            String prefix = FILE + ":" + e.line() + ": ";
            assertTrue(e.getMessage().startsWith(prefix) && e.getMessage().length() > prefix.length(), e.getMessage());
            return;
        }
        String written = SwitchConfigWriter.write(config);
        SwitchConfig again;
        try {
            again = SwitchConfigReader.parse("written.conf", written, BASE);
        } catch (ConfigException e) {
            fail("the writer wrote a config the reader refuses: " + e.getMessage() + "\n--- read:\n" + text
                    + "\n--- written:\n" + written);
            return;
        }
        assertEquals(config.spec(), again.spec(), written);
        assertEquals(config.controlSocket(), again.controlSocket());
        assertEquals(config.countersFile(), again.countersFile());
        assertEquals(config.pmdCpus(), again.pmdCpus());
        assertEquals(config.logging(), again.logging());
    }
}
