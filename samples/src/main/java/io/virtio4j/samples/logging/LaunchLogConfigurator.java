package io.virtio4j.samples.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration for everything the launcher runs, found by Logback through the service
 * loader before it would look for XML: stderr (stdout is the demo's and ctl's), a timestamp on
 * every line, level info. The daemon then applies its config's levels ({@link LogbackControl}).
 */
public final class LaunchLogConfigurator extends ContextAwareBase implements Configurator {
    /** Logback instantiates it through the service loader. */
    public LaunchLogConfigurator() {
        // Stateless.
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LogbackControl.logToStderr(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
