package io.virtio4j.vhostnet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.virtio4j.testing.Prerequisites;

/**
 * Asks a C compiler what {@code linux/vhost.h} says: compiles a program that prints each C
 * expression given (request macros, sizeof, offsetof) and returns name to value.
 */
public final class VhostHeaderProbe {
    private VhostHeaderProbe() {
    }

    public static Map<String, Long> evaluate(Path dir, Map<String, String> expressions) throws IOException, InterruptedException {
        Path cc = Prerequisites.requireExecutable("cc", "install gcc (apt-get install gcc)");
        Prerequisites.requirePath("/usr/include/linux/vhost.h", "kernel UAPI headers (linux-libc-dev)");
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/vhost.h>\nint main(void) {\n");
        expressions.forEach((name, expression) -> c.append("  printf(\"%s %llu\\n\", \"").append(name)
                .append("\", (unsigned long long) (").append(expression).append("));\n"));
        c.append("  return 0;\n}\n");
        Path source = dir.resolve("vhost_probe.c");
        Path binary = dir.resolve("vhost_probe");
        Files.writeString(source, c);
        run(List.of(cc.toString(), "-o", binary.toString(), source.toString()));
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(List.of(binary.toString())).split("\n")) {
            String[] parts = line.split(" ");
            values.put(parts[0], Long.parseUnsignedLong(parts[1]));
        }
        return values;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(command + " failed:\n" + out);
        }
        return out;
    }
}
