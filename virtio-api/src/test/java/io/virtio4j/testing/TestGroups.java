package io.virtio4j.testing;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Set;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The test groups (JUnit tags) and the check that keeps them honest.
 *
 * <p>Four groups: {@value #KERNEL} ({@link NeedsKernel}), {@value #PEER} ({@link NeedsPeer}),
 * {@value #FUZZ} (the Jazzer targets replaying their committed inputs) and {@value #SLOW}
 * ({@link Slow}: JVM-only, but seconds long by design, as allocation and soak measurements). Every
 * other test is a unit test: it needs only the JVM, memfds, eventfds and Unix sockets, so it runs
 * anywhere without root, in well under a second or two. {@code ./mvnw verify -Dgroups=unit} runs
 * exactly those (the parent pom turns {@code unit} into "none of the four"); {@code ./mvnw verify}
 * runs all.
 *
 * <p>Nobody has to remember to tag: this class is a JUnit extension registered for every test
 * (META-INF/services, with auto-detection switched on in the parent pom), and it tracks the test
 * or class running on the current thread. When such a test asks {@link Prerequisites} for root, a
 * device or a program, and it carries neither {@link NeedsKernel} nor {@link NeedsPeer}, it fails
 * there and then, whether or not the prerequisite is present. A class with a Jazzer
 * {@code @FuzzTest} method fails unless it is tagged {@value #FUZZ}.
 */
public final class TestGroups implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    /** Needs root or a kernel feature (TAP, namespaces, veth, /dev/kvm, /dev/vhost-net, headers). */
    public static final String KERNEL = "kernel";
    /** Needs a program outside the JVM (testpmd, QEMU, OVS, tshark, promtool, ...). */
    public static final String PEER = "peer";
    /** A Jazzer {@code @FuzzTest} target replaying its committed inputs (scripts/fuzz.sh fuzzes it). */
    public static final String FUZZ = "fuzz";
    /** Needs only the JVM but runs for seconds by design (allocation, soak, many-round-trip loops). */
    public static final String SLOW = "slow";

    private static final String JAZZER_FUZZ_TEST = "com.code_intelligence.jazzer.junit.FuzzTest";
    private static final ThreadLocal<ExtensionContext> CURRENT = new ThreadLocal<>();

    /** Called by JUnit's ServiceLoader auto-detection. */
    public TestGroups() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        CURRENT.set(context);
        requireFuzzTagged(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        CURRENT.set(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        // Back to the class: its @AfterAll methods and the next test's class-level callbacks.
        CURRENT.set(context.getParent().orElse(null));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // A nested class hands back to its enclosing class; a top-level class to nothing.
        CURRENT.set(context.getParent().filter(parent -> parent.getTestClass().isPresent()).orElse(null));
    }

    /** A class with a Jazzer {@code @FuzzTest} method must be tagged {@value #FUZZ}: it is slow for the unit run. */
    private static void requireFuzzTagged(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        if (context.getTags().contains(FUZZ)) {
            return;
        }
        for (Method method : testClass.getDeclaredMethods()) {
            for (Annotation annotation : method.getAnnotations()) {
                if (annotation.annotationType().getName().equals(JAZZER_FUZZ_TEST)) {
                    Assertions.fail(testClass.getName() + "." + method.getName() + " is a @FuzzTest, but its class is not"
                            + " tagged: annotate it with @Tag(TestGroups.FUZZ), so that -Dgroups=unit leaves it out");
                }
            }
        }
    }

    /**
     * Fails the running test unless it (or its class) is tagged {@value #KERNEL} or {@value #PEER};
     * {@code prerequisite} says what it asked for. Off a test thread (a helper thread, a guest run
     * without this extension) there is nothing to check.
     */
    static void requireTaggedForPrerequisite(String prerequisite) {
        ExtensionContext context = CURRENT.get();
        if (context != null) {
            requireTagged(context, prerequisite);
        }
    }

    /** As {@link #requireTaggedForPrerequisite(String)}, for the test or class of {@code context}. */
    public static void requireTagged(ExtensionContext context, String prerequisite) {
        Set<String> tags = context.getTags();
        if (tags.contains(KERNEL) || tags.contains(PEER)) {
            return;
        }
        Assertions.fail(context.getDisplayName() + " in " + context.getRequiredTestClass().getName()
                + " needs " + prerequisite + " but is not tagged: annotate it (or its class) with @"
                + NeedsKernel.class.getSimpleName() + " or @" + NeedsPeer.class.getSimpleName()
                + " (io.virtio4j.testing), so that -Dgroups=unit leaves it out");
    }
}
