package io.virtio4j.testing;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs one JUnit test class inside a QEMU guest (started by {@link GuestTestRun}) and prints one
 * result line per test, which the host side turns back into the outcome of the same test:
 * <pre>
 * guest-junit: SUCCESSFUL name(params)
 * guest-junit: FAILED name(params): the failure, on one line   (its stack trace follows)
 * guest-junit: ABORTED name(params): the reason
 * guest-junit: SKIPPED name(params): the reason
 * guest-junit: CONTAINER_FAILED ClassName: the failure          (a class-level setup failed)
 * </pre>
 * Exits 0 when at least one test ran and every test succeeded, 1 otherwise, 2 on a wrong command line.
 * Sets {@link KvmSource#IN_GUEST_PROPERTY}: the tests use the guest's devices, never start a guest.
 */
public final class GuestJUnit {
    static final String PREFIX = "guest-junit: ";

    private GuestJUnit() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: GuestJUnit TEST_CLASS");
            System.exit(2);
        }
        System.setProperty(KvmSource.IN_GUEST_PROPERTY, "true");
        Results results = new Results(System.out);
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(args[0])).build(), results);
        if (results.tests == 0) {
            System.out.println(PREFIX + "CONTAINER_FAILED " + args[0] + ": no tests ran");
        }
        System.out.flush();
        System.exit(results.tests > 0 && results.allPassed ? 0 : 1);
    }

    /** The key both sides name a test method by: its name and parameter types. */
    static String key(MethodSource method) {
        return method.getMethodName() + "(" + method.getMethodParameterTypes() + ")";
    }

    /** Prints a result line per finished test. */
    private static final class Results implements TestExecutionListener {
        private final PrintStream out;
        int tests;
        boolean allPassed = true;

        Results(PrintStream out) {
            this.out = out;
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            if (id.isTest()) {
                tests++;
                allPassed = false;
                out.println(PREFIX + "SKIPPED " + name(id) + ": " + oneLine(reason));
            }
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest()) {
                tests++;
            } else if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                return;
            }
            String status = id.isTest() ? result.getStatus().name() : "CONTAINER_FAILED";
            if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                allPassed = false;
            }
            Throwable thrown = result.getThrowable().orElse(null);
            boolean failed = result.getStatus() == TestExecutionResult.Status.FAILED;
            // A failure names its exception; an abort's message is its reason.
            String detail = thrown == null ? "" : ": " + oneLine(failed ? thrown.toString() : String.valueOf(thrown.getMessage()));
            out.println(PREFIX + status + " " + name(id) + detail);
            if (thrown != null && failed) {
                StringWriter trace = new StringWriter();
                thrown.printStackTrace(new PrintWriter(trace));
                out.print(trace);
            }
        }

        private static String name(TestIdentifier id) {
            TestSource source = id.getSource().orElse(null);
            return source instanceof MethodSource method ? key(method) : id.getDisplayName();
        }

        private static String oneLine(String text) {
            String line = text.replace('\n', ' ').replace('\r', ' ');
            return line.length() > 1000 ? line.substring(0, 1000) + "..." : line;
        }
    }
}
