package io.virtio4j.testing.qemu;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What one guest of {@code scripts/qemu-guest.sh} did, read from its console: the script marks
 * eth0's setup ({@code qemu-guest: eth0 ...}), each command's start ({@code qemu-guest: run N: CMD})
 * and end ({@code qemu-guest: exit N STATUS}).
 *
 * @param name         the guest
 * @param scriptExit   the script's exit status (0: every command exited 0)
 * @param console      the serial console, carriage returns removed
 * @param scriptOutput what the script printed
 */
public record GuestRun(String name, int scriptExit, String console, String scriptOutput) {
    private static final Pattern ETH0 = Pattern.compile("(?m)^qemu-guest: eth0 (.*)$");

    /** The output of command {@code n} (1-based); fails if the guest never finished it. */
    public String commandOutput(int n) {
        Matcher m = Pattern.compile("(?ms)^qemu-guest: run " + n + ": [^\n]*\n(.*?)^qemu-guest: exit " + n + " \\d+$")
                .matcher(console);
        if (!m.find()) {
            fail(name + " did not finish command " + n + "; console:\n" + console + "\nscript output:\n" + scriptOutput);
        }
        return m.group(1);
    }

    /** The exit status of command {@code n}. */
    public int commandStatus(int n) {
        Matcher m = Pattern.compile("(?m)^qemu-guest: exit " + n + " (\\d+)$").matcher(console);
        if (!m.find()) {
            fail(name + " did not finish command " + n + "; console:\n" + console);
        }
        return Integer.parseInt(m.group(1));
    }

    /** The guest's report of its configured eth0 ({@code mac=... ip=... gateway=... features=...}). */
    public String eth0() {
        Matcher m = ETH0.matcher(console);
        if (!m.find()) {
            fail(name + " never configured eth0; console:\n" + console + "\nscript output:\n" + scriptOutput);
        }
        return m.group(1);
    }
}
