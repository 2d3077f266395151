package io.virtio4j.testing;

import java.lang.reflect.Method;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * For a test class that needs /dev/kvm ({@code @ExtendWith(KvmHostOrGuest.class)}): where
 * {@link KvmSource} says the host has it, the tests run here; otherwise the whole class runs once
 * inside a QEMU guest with KVM of its own ({@code scripts/linux-guest.sh --kvm}, {@link GuestJUnit}),
 * and each test here takes the outcome its twin had there: the same assertions, on the guest's KVM.
 * One line says which way it ran. Without host KVM and without what the guest needs, the class is
 * skipped, or fails under CI, naming what to install ({@link Prerequisites}).
 *
 * <p>In guest mode the class's own lifecycle methods run only in the guest (they may need KVM).
 * Only plain {@code @Test} methods are supported there.
 */
public final class KvmHostOrGuest implements BeforeAllCallback, InvocationInterceptor {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KvmHostOrGuest.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        TestGroups.requireTagged(context, "KVM (/dev/kvm here or in a QEMU guest)");
        if (KvmSource.insideGuest()) {
            Assertions.assertTrue(KvmSource.usable(), "inside the QEMU guest, but its /dev/kvm is missing");
            return;
        }
        String whyNotHost = KvmSource.whyNotHost();
        if (whyNotHost == null) {
            System.out.println("KVM: host /dev/kvm");
            return;
        }
        Prerequisites.requireDebianGuest("KVM: " + whyNotHost + ", and the QEMU guest with KVM cannot run: ");
        Class<?> testClass = context.getRequiredTestClass();
        GuestTestRun run = GuestTestRun.of(testClass, "--kvm");
        String module = run.kvmModule();
        System.out.printf("KVM: inside a QEMU TCG guest with %s, %s (%s in the guest: %.1f s)%n",
                module == null ? "no KVM module" : module, whyNotHost, testClass.getSimpleName(), run.millis() / 1000.0);
        context.getStore(NAMESPACE).put(GuestTestRun.class, run);
    }

    private static GuestTestRun guestRun(ExtensionContext context) {
        return context.getStore(NAMESPACE).get(GuestTestRun.class, GuestTestRun.class);
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext context) throws Throwable {
        GuestTestRun run = guestRun(context);
        if (run == null) {
            invocation.proceed();
            return;
        }
        invocation.skip();
        run.assertOutcome(invocationContext.getExecutable());
    }

    @Override
    public <T> T interceptTestFactoryMethod(Invocation<T> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext context) throws Throwable {
        return hostOnly(invocation, context);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext context) throws Throwable {
        hostOnly(invocation, context);
    }

    @Override
    public void interceptBeforeAllMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                         ExtensionContext context) throws Throwable {
        lifecycle(invocation, context);
    }

    @Override
    public void interceptBeforeEachMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                          ExtensionContext context) throws Throwable {
        lifecycle(invocation, context);
    }

    @Override
    public void interceptAfterEachMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                         ExtensionContext context) throws Throwable {
        lifecycle(invocation, context);
    }

    @Override
    public void interceptAfterAllMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                        ExtensionContext context) throws Throwable {
        lifecycle(invocation, context);
    }

    private static void lifecycle(Invocation<Void> invocation, ExtensionContext context) throws Throwable {
        if (guestRun(context) == null) {
            invocation.proceed();
        } else {
            invocation.skip();
        }
    }

    private static <T> T hostOnly(Invocation<T> invocation, ExtensionContext context) throws Throwable {
        if (guestRun(context) != null) {
            invocation.skip();
            Assertions.fail("KvmHostOrGuest runs only plain @Test methods in the guest");
        }
        return invocation.proceed();
    }
}
