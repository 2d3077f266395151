/**
 * The launcher's logging: Logback, configured in code (no XML, so no {@code java.xml} on the
 * module path) to write timestamped lines to stderr at info ({@code LaunchLogConfigurator}), and
 * the daemon's hold on it ({@code LogbackControl}: the config's {@code log-level} keys, its
 * {@code log-file}, and {@code ctl log-level} at run time). The library modules see only SLF4J.
 */
package io.virtio4j.samples.logging;
