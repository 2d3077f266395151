package io.virtio4j.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * Marks a test class or method that needs a program outside the JVM: a real peer (dpdk-testpmd,
 * QEMU, Open vSwitch, ovs-ofctl) or a tool that checks our output (tshark, promtool,
 * systemd-analyze, gcc, kill).
 *
 * <p>Tagged {@value TestGroups#PEER}, so {@code ./mvnw verify -Dgroups=unit} leaves it out and
 * {@code -Dgroups=peer} runs only these. A test that asks {@link Prerequisites} for anything
 * fails unless it carries this or {@link NeedsKernel} ({@link TestGroups}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag(TestGroups.PEER)
public @interface NeedsPeer {
}
