package io.virtio4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The guest run's protocol without a guest: {@link GuestJUnit} runs {@link Sample} in a JVM of
 * its own, as it would inside QEMU, and {@link GuestTestRun} turns its output back into each
 * test's outcome: success, the guest's failure, a skip (a failure under CI), nothing reported.
 */
class GuestJUnitTest {
    /** Run only by GuestJUnit (Surefire leaves nested classes alone). */
    static class Sample {
        @BeforeEach
        void onlyInTheGuestRunner() {
            Assumptions.assumeTrue(KvmSource.insideGuest(), "run by GuestJUnit only");
        }

        @Test
        void passes() {
            assertTrue(KvmSource.insideGuest() && KvmSource.detect() == KvmSource.HOST,
                    "in the guest the guest's own /dev/kvm counts as the host's");
        }

        @Test
        void fails() {
            assertEquals(1, 2, "the sample's failure");
        }

        @Test
        void aborts() {
            Assumptions.abort("the sample's missing prerequisite");
        }
    }

    private static GuestTestRun runSample() throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", GuestTestRun.classPath(), GuestJUnit.class.getName(), Sample.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new GuestTestRun(output, process.waitFor(), 0);
    }

    @Test
    void eachTestTakesTheOutcomeItHadInTheGuestRunner() throws Exception {
        GuestTestRun run = runSample();
        assertTrue(run.output().contains(GuestJUnit.PREFIX + "FAILED fails(): org.opentest4j.AssertionFailedError: the sample's failure"),
                run.output());
        assertTrue(run.output().contains("at io.virtio4j.testing.GuestJUnitTest$Sample.fails"), "the stack trace follows: " + run.output());

        run.assertOutcome(Sample.class.getDeclaredMethod("passes"));
        AssertionFailedError failed = assertThrows(AssertionFailedError.class,
                () -> run.assertOutcome(Sample.class.getDeclaredMethod("fails")));
        assertTrue(failed.getMessage().startsWith("in the guest, fails() FAILED: org.opentest4j.AssertionFailedError: the sample's failure"),
                failed.getMessage());
        // A skip in the guest is a missing prerequisite: a skip here, or a failure under CI.
        Class<? extends Throwable> skipped = Prerequisites.inCi() ? AssertionFailedError.class : TestAbortedException.class;
        Throwable aborted = assertThrows(skipped, () -> run.assertOutcome(Sample.class.getDeclaredMethod("aborts")));
        assertTrue(aborted.getMessage().contains("in the guest, aborts(): the sample's missing prerequisite"), aborted.getMessage());
        assertThrows(AssertionFailedError.class, () -> run.assertOutcome(GuestJUnitTest.class.getDeclaredMethod("runSample")),
                "a test the guest did not report fails");
    }

    @Test
    void aRunThatFailedWithoutAFailingTestFailsEvenTheTestsThatSucceeded() throws Exception {
        GuestTestRun run = new GuestTestRun(GuestJUnit.PREFIX + "SUCCESSFUL passes()\n"
                + GuestJUnit.PREFIX + "CONTAINER_FAILED Sample: java.lang.IllegalStateException: after all\n", 1, 0);
        assertThrows(AssertionFailedError.class, () -> run.assertOutcome(Sample.class.getDeclaredMethod("passes")));
        GuestTestRun clean = new GuestTestRun(GuestJUnit.PREFIX + "SUCCESSFUL passes()\n"
                + "linux-guest: /dev/kvm from kvm_intel\n", 0, 0);
        clean.assertOutcome(Sample.class.getDeclaredMethod("passes"));
        assertEquals("kvm_intel", clean.kvmModule());
    }

    @Test
    void onlyAGuestThatEndedAtTheLimitWithoutATestReportIsBootedAgain() {
        String stalled = "[   64.588407] watchdog: BUG: soft lockup - CPU#1 stuck for 45s! [java:130]\n"
                + "linux-guest: the guest did not finish the command (qemu exit 124)\n";
        assertTrue(new GuestTestRun(stalled, 125, 300_000).neverFinished());
        assertFalse(new GuestTestRun(GuestJUnit.PREFIX + "FAILED passes(): boom\n", 125, 0).neverFinished(),
                "a test reported: its outcome stands");
        assertFalse(new GuestTestRun("", 1, 0).neverFinished(), "the command ran and failed: not a stalled guest");
    }
}
