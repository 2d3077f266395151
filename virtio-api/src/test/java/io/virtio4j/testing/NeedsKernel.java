package io.virtio4j.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * Marks a test class or method that needs root or a kernel feature: a TAP, a network namespace or
 * veth, {@code /dev/kvm}, {@code /dev/vhost-net}, the kernel's headers or CPU affinity.
 *
 * <p>Tagged {@value TestGroups#KERNEL}, so {@code ./mvnw verify -Dgroups=unit} leaves it out and
 * {@code -Dgroups=kernel} runs only these. A test that asks {@link Prerequisites} for anything
 * fails unless it carries this or {@link NeedsPeer} ({@link TestGroups}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag(TestGroups.KERNEL)
public @interface NeedsKernel {
}
