package io.virtio4j.testing;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assertions;
import org.junit.platform.engine.support.descriptor.MethodSource;

/**
 * One run of a whole test class inside a throw-away QEMU guest: {@code scripts/linux-guest.sh}
 * with the caller's options boots Debian's kernel, and {@link GuestJUnit} runs the class there with
 * this JDK and this JVM's class path (the host's root is the guest's, read-only). One boot per
 * class; each test then asserts on its own result line.
 */
public final class GuestTestRun {
    /**
     * The script's own time limit. The guest's JVM under TCG needs some tens of seconds (the KVM
     * classes 17-28 s on this project's machines); a stalled guest is booted once more (see
     * {@link #of}), so the limit is what a stall costs, twice at most.
     */
    static final int TIMEOUT_SECONDS = 180;
    private static final Pattern RESULT = Pattern.compile(
            "^" + Pattern.quote(GuestJUnit.PREFIX) + "(\\w+) ([^:\\n]+)(?:: (.*))?$", Pattern.MULTILINE);
    private static final Pattern KVM_MODULE = Pattern.compile("^linux-guest: /dev/kvm from (\\S+)$", Pattern.MULTILINE);

    private final String output;
    private final int exitStatus;
    private final long millis;
    private final Map<String, String[]> results = new HashMap<>();

    GuestTestRun(String output, int exitStatus, long millis) {
        this.output = output;
        this.exitStatus = exitStatus;
        this.millis = millis;
        Matcher m = RESULT.matcher(output);
        while (m.find()) {
            results.put(m.group(2), new String[] {m.group(1), m.group(3)});
        }
    }

    /**
     * Runs {@code testClass} in a guest started with {@code scriptOptions} (for example {@code --kvm}).
     * A guest that never finished (the script's 125, no test reported) is booted once more: under
     * TCG on a 2-CPU host the emulated kernel now and then stalls in its own timers (soft lockups
     * and RCU stalls on its console, 2026-12-07, in a KVM ioctl that takes milliseconds on real
     * hardware) and the run ends at the time limit having said nothing of the tests. A second
     * stall, or any run that reports, is the outcome.
     */
    public static GuestTestRun of(Class<?> testClass, String... scriptOptions) throws IOException, InterruptedException {
        GuestTestRun run = once(testClass, scriptOptions);
        if (run.neverFinished()) {
            System.out.printf("guest run of %s did not finish in %d s (exit %d, no test reported): booting it once more%n",
                    testClass.getSimpleName(), run.millis / 1000, run.exitStatus);
            GuestTestRun again = once(testClass, scriptOptions);
            return new GuestTestRun(run.output + "\n---- booted once more ----\n" + again.output, again.exitStatus,
                    run.millis + again.millis);
        }
        return run;
    }

    /** The script gave up on the guest (its exit 125) and no test reported a result. */
    boolean neverFinished() {
        return exitStatus == 125 && results.isEmpty();
    }

    private static GuestTestRun once(Class<?> testClass, String... scriptOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(script().toString());
        command.addAll(List.of(scriptOptions));
        command.addAll(List.of("--timeout", Integer.toString(TIMEOUT_SECONDS), "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The tests' own JVM options (the parent pom's argLine), and a quick start under TCG.
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-cp", classPath(), GuestJUnit.class.getName(), testClass.getName()));
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        // The script ends QEMU at its timeout, so reading to the end cannot hang for longer.
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        return new GuestTestRun(output, exit, (System.nanoTime() - start) / 1_000_000);
    }

    /** The test class path of this JVM (Surefire's, not its booter jar's). */
    static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** scripts/linux-guest.sh of this checkout, found from the module (or the repository) directory. */
    static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("scripts").resolve("linux-guest.sh");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("scripts/linux-guest.sh not found above " + Path.of("").toAbsolutePath());
    }

    private boolean anotherTestDidNotSucceed() {
        return results.values().stream().anyMatch(r -> List.of("FAILED", "ABORTED", "SKIPPED").contains(r[0]));
    }

    /** What the guest's kvm line names (kvm_amd or kvm_intel), or null when it loaded none. */
    public String kvmModule() {
        Matcher m = KVM_MODULE.matcher(output);
        return m.find() ? m.group(1) : null;
    }

    /** Milliseconds from starting the script to its end (boot, run, power-off). */
    public long millis() {
        return millis;
    }

    /** Everything the script printed. */
    public String output() {
        return output;
    }

    /**
     * Gives {@code test} the outcome it had in the guest: returns when it succeeded there and the
     * whole run exited 0, fails with the guest's failure (and the guest's output), and treats a
     * test the guest skipped as a missing prerequisite (a failure under CI).
     */
    public void assertOutcome(Method test) {
        String key = GuestJUnit.key(MethodSource.from(test));
        String[] result = results.get(key);
        if (result == null) {
            Assertions.fail("the guest run (exit " + exitStatus + ") reported nothing for " + key + ":\n" + output);
        }
        switch (result[0]) {
            // A failing run that no test's failure explains (a class-level failure, a crash) fails them all.
            case "SUCCESSFUL" -> Assertions.assertTrue(exitStatus == 0 || anotherTestDidNotSucceed(),
                    () -> key + " succeeded in the guest, but the run did not (exit " + exitStatus + "):\n" + output);
            case "ABORTED", "SKIPPED" -> Prerequisites.missing("in the guest, " + key + ": " + result[1]);
            default -> Assertions.fail("in the guest, " + key + " " + result[0] + ": " + result[1] + "\n" + output);
        }
    }
}
