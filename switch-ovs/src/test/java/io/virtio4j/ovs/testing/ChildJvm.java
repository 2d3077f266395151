package io.virtio4j.ovs.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a main class in a separate JVM on the test class path, as another process on the machine would. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** The exit status and the merged stdout/stderr of a finished child. */
    public record Result(int exitStatus, String output) {
    }

    public static Result run(Class<?> mainClass, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                // Agrona 2 reaches jdk.internal.misc.Unsafe, as in the test JVM (switch-ovs/pom.xml).
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(mainClass.getSimpleName() + " still running after 60 s: " + output);
        }
        process.getInputStream().close();
        process.getErrorStream().close();
        return new Result(process.exitValue(), output);
    }
}
