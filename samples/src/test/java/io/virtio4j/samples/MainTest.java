package io.virtio4j.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.virtio4j.samples.testing.CapturedOutput;

class MainTest {
    @Test
    void theRingDemoExchangesFramesAndRefusesTheHostileChain() throws Exception {
        String out = CapturedOutput.of(() -> assertEquals(0, Main.run(new String[] {"ring-demo", "--seconds", "1"})));
        assertTrue(out.contains("42 bytes sent,    42 bytes received intact"), out);
        assertTrue(out.contains("1514 bytes sent,  1514 bytes received intact"), out);
        assertTrue(out.contains("BUFFER_UNMAPPED 0 -> 1, queue broken: false"), out);
        Matcher m = Pattern.compile("(\\d+) frames in [\\d.]+ s: [\\d.]+ Mpps average; 0 out of order or altered").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(1)) > 10_000, "frames moved: " + m.group(1));
        assertTrue(out.contains("errors: TX 1, RX 0"), out);
    }

    @Test
    void unknownSubcommandsAreRefused() throws Exception {
        assertEquals(2, Main.run(new String[] {"nope"}));
        assertEquals(2, Main.run(new String[] {"demo", "--bogus"}));
        assertEquals(2, Main.run(new String[] {"ring-demo", "--bogus"}));
    }

    @Test
    void helpListsEverySubcommand() throws Exception {
        String err = CapturedOutput.ofErr(() -> assertEquals(0, Main.run(new String[] {"help"})));
        for (String command : new String[] {"demo", "ring-demo", "sample-device", "sample-switch", "sample-kvm"}) {
            assertTrue(err.matches("(?s).*\\n  " + command + " +\\S.*"), command + " in: " + err);
        }
    }

    @Test
    void everySubcommandTakesHelpWithoutRunning() throws Exception {
        for (String command : new String[] {"switch", "demo", "ring-demo", "sample-device", "sample-switch", "sample-kvm"}) {
            String out = CapturedOutput.of(() -> assertEquals(0, Main.run(new String[] {command, "--help"}), command));
            assertTrue(out.startsWith("usage: ./virtio4j " + command), command + ": " + out);
        }
        String ctl = CapturedOutput.of(() -> assertEquals(0, Main.run(new String[] {"ctl", "--help"})));
        assertTrue(ctl.startsWith("usage: ./virtio4j ctl COMMAND"), ctl);
        assertTrue(ctl.contains("\n  pmd-stats ") && ctl.contains("\n  control "), "the full list: " + ctl);
        String ports = CapturedOutput.of(() -> assertEquals(0, Main.run(new String[] {"ctl", "ports", "--help"})));
        assertTrue(ports.startsWith("usage: ./virtio4j ctl ports [--json] [--socket PATH]"), ports);
    }

    @Test
    void sampleSwitchRefusesAnOptionWithItsUsageNotAStackTrace() throws Exception {
        String out = CapturedOutput.of(() -> assertEquals(2, io.virtio4j.samples.embed.SwitchFromCode.run(new String[] {"--bogus"},
                System.out)));
        assertEquals(io.virtio4j.samples.embed.SwitchFromCode.USAGE + "\n", out);
    }

    @Test
    void versionPrintsTheProjectVersion() throws Exception {
        String out = CapturedOutput.of(() -> assertEquals(0, Main.run(new String[] {"--version"})));
        assertTrue(out.matches("virtio4j \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n"), out);
    }
}
