package io.virtio4j.ovs.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs iproute2 and sysctl for the gateway namespace. These are configuration steps done once at
 * start and stop, where iproute2's own error text ("File exists", "Operation not permitted") is
 * the most useful thing to show; netlink from Java would buy nothing here.
 */
final class IpCommand {
    private static final long TIMEOUT_SECONDS = 10;

    private IpCommand() {
    }

    /** Runs {@code command}; fails with {@code step}, the command line and its output unless it exits 0. */
    static String run(String step, String... command) {
        String line = String.join(" ", command);
        Process process;
        try {
            process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new GatewayException(step + ": cannot run '" + line + "' (" + e.getMessage()
                    + "); is iproute2 installed (apt-get install iproute2)?", e);
        }
        try (InputStream out = process.getInputStream()) {
            process.getOutputStream().close();
            String output = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new GatewayException(step + ": '" + line + "' did not finish in " + TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new GatewayException(step + ": '" + line + "' failed (exit " + process.exitValue() + "): " + output);
            }
            return output;
        } catch (IOException e) {
            throw new GatewayException(step + ": reading the output of '" + line + "' failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new GatewayException(step + ": interrupted while running '" + line + "'", e);
        } finally {
            closeStreams(process);
        }
    }

    /** Closes the pipes now rather than when the JDK's reaper notices the exit, so no fd outlives the call. */
    private static void closeStreams(Process process) {
        try {
            process.getErrorStream().close();
            process.getInputStream().close();
        } catch (IOException ignored) {
            // A pipe whose writer has exited closes cleanly; nothing to report.
        }
    }
}
