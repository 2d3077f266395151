package io.virtio4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The tag check: each sample class below is run by a JUnit launcher of its own, as surefire runs a
 * test (extension auto-detection on), and what its test ended with is asserted. Surefire itself
 * never runs the samples (nested classes are not test classes to it).
 */
class TestGroupsTest {
    static class UntaggedAsksForRoot {
        @Test
        void asks() {
            Prerequisites.requireRoot();
        }
    }

    static class UntaggedAsksInItsBeforeAll {
        @BeforeAll
        static void asks() {
            Prerequisites.requireExecutable("sh", "a shell");
        }

        @Test
        void nothing() {
        }
    }

    @NeedsKernel
    static class TaggedClassAsksForRoot {
        @Test
        void asks() {
            Prerequisites.requireRoot();
        }
    }

    static class TaggedMethodAsksForAProgram {
        @NeedsPeer
        @Test
        void asks() {
            Prerequisites.requireExecutable("sh", "a shell");
        }
    }

    @Test
    void anUntaggedTestAskingForAPrerequisiteFailsOnEveryMachineNamingTheTags() {
        for (Class<?> sample : List.of(UntaggedAsksForRoot.class, UntaggedAsksInItsBeforeAll.class)) {
            List<TestExecutionResult> results = run(sample);
            assertEquals(1, results.size(), sample.getSimpleName());
            TestExecutionResult result = results.get(0);
            assertEquals(TestExecutionResult.Status.FAILED, result.getStatus(), sample.getSimpleName());
            String message = result.getThrowable().orElseThrow().getMessage();
            assertTrue(message.contains("is not tagged") && message.contains("@NeedsKernel or @NeedsPeer"), message);
        }
    }

    @Test
    void aTaggedTestGoesOnToItsPrerequisite() {
        for (Class<?> sample : List.of(TaggedClassAsksForRoot.class, TaggedMethodAsksForAProgram.class)) {
            List<TestExecutionResult> results = run(sample);
            assertEquals(1, results.size(), sample.getSimpleName());
            // Passed, or skipped (failed under CI) for the prerequisite itself: never for the tag.
            results.get(0).getThrowable().ifPresent(thrown -> assertFalse(thrown.getMessage().contains("is not tagged"),
                    sample.getSimpleName() + ": " + thrown.getMessage()));
        }
    }

    /** The results of the sample's test methods, or of the class when it failed before them. */
    private static List<TestExecutionResult> run(Class<?> sample) {
        List<TestExecutionResult> results = new ArrayList<>();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                boolean classFailed = id.isContainer() && result.getStatus() != TestExecutionResult.Status.SUCCESSFUL;
                if (id.isTest() || classFailed && id.getSource().isPresent()) {
                    results.add(result);
                }
            }
        };
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(sample))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .build(), listener);
        return results;
    }
}
