package io.virtio4j.tap.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.virtio4j.testing.Prerequisites;

/** Reads {@code #define NAME value} lines from an installed kernel UAPI header, for checking our constants. */
public final class LinuxHeaders {
    private static final Pattern DEFINE = Pattern.compile("^#define\\s+(\\w+)\\s+(.+?)\\s*(/\\*.*)?$");
    private static final Pattern IOC = Pattern.compile("_IO([RW]*)\\('(.)',\\s*(\\d+),\\s*([\\w ]+)\\)");

    private LinuxHeaders() {
    }

    public static String text(String header) throws IOException {
        Path path = Path.of("/usr/include/linux", header);
        Prerequisites.requirePath(path.toString(), "kernel UAPI headers (linux-libc-dev)");
        return Files.readString(path);
    }

    /** All {@code #define}s of the header, name to raw value text. */
    public static Map<String, String> defines(String header) throws IOException {
        Map<String, String> defines = new HashMap<>();
        for (String line : text(header).split("\n")) {
            Matcher m = DEFINE.matcher(line.strip());
            if (m.matches()) {
                defines.put(m.group(1), m.group(2).strip());
            }
        }
        return defines;
    }

    /** A define's integer value (decimal or 0x hex). */
    public static long number(Map<String, String> defines, String name) {
        String value = defines.get(name);
        if (value == null) {
            throw new AssertionError(name + " not in header");
        }
        return Long.decode(value);
    }

    /** Evaluates an {@code _IOW('T', 202, int)}-style define with the kernel's rule, independently of main code. */
    public static long ioctlNumber(Map<String, String> defines, String name) {
        String value = defines.get(name);
        Matcher m = IOC.matcher(value == null ? "" : value);
        if (!m.find()) {
            throw new AssertionError(name + " is not an _IO* define: " + value);
        }
        long dir = switch (m.group(1)) {
            case "" -> 0;
            case "W" -> 1;
            case "R" -> 2;
            default -> 3;
        };
        long size = switch (m.group(4).strip()) {
            case "int", "unsigned int" -> 4;
            default -> throw new AssertionError("unknown size type " + m.group(4));
        };
        return dir << 30 | size << 16 | (long) m.group(2).charAt(0) << 8 | Long.parseLong(m.group(3));
    }
}
