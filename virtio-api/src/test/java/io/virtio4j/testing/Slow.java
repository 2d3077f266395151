package io.virtio4j.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * Marks a test class or method that runs for more than a few seconds by design: an allocation or
 * soak measurement, a loop of many thousand round trips, a timing window it must wait out. It needs
 * only the JVM, like a unit test, but would make the unit run take minutes.
 *
 * <p>Tagged {@value TestGroups#SLOW}, so {@code ./mvnw verify -Dgroups=unit} leaves it out,
 * {@code -Dgroups=slow} runs only these and {@code ./mvnw verify} (CI) runs them with the rest.
 * A test that is slow because it waits for a kernel or a peer is tagged {@link NeedsKernel} or
 * {@link NeedsPeer} instead.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag(TestGroups.SLOW)
public @interface Slow {
}
