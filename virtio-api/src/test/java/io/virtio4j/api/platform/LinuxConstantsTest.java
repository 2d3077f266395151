package io.virtio4j.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.api.platform.bindings.EpollEvent;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.api.platform.bindings.MmsgHdr;
import io.virtio4j.api.platform.bindings.SockaddrIn;
import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

/**
 * Compiles a C program against /usr/include that prints every constant in {@link LinuxConstants}
 * and {@link Errno}, plus the struct sizes the bindings assume, and compares them with the Java
 * values: the Java copies cannot drift from the headers unnoticed.
 */
class LinuxConstantsTest {

    @NeedsKernel
    @NeedsPeer
    @Test
    void everyConstantMatchesTheSystemHeaders(@TempDir Path dir) throws Exception {
        Path cc = Prerequisites.requireExecutable("cc", "install gcc (apt-get install gcc)");
        Map<String, Long> java = new LinkedHashMap<>();
        collect(LinuxConstants.class, java);
        collect(Errno.class, java);

        StringBuilder c = new StringBuilder("""
                #define _GNU_SOURCE
                #include <stdio.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <sys/eventfd.h>
                #include <sys/epoll.h>
                #include <sys/mman.h>
                #include <sys/ioctl.h>
                #include <sys/uio.h>
                #include <sys/socket.h>
                #include <netinet/in.h>
                #include <limits.h>
                int main(void) {
                """);
        for (String name : java.keySet()) {
            c.append("  printf(\"%s %lld\\n\", \"").append(name).append("\", (long long) (").append(name).append("));\n");
        }
        c.append("  printf(\"sizeof_epoll_event %lld\\n\", (long long) sizeof(struct epoll_event));\n");
        c.append("  printf(\"sizeof_iovec %lld\\n\", (long long) sizeof(struct iovec));\n");
        c.append("  printf(\"sizeof_mmsghdr %lld\\n\", (long long) sizeof(struct mmsghdr));\n");
        c.append("  printf(\"sizeof_sockaddr_in %lld\\n\", (long long) sizeof(struct sockaddr_in));\n");
        c.append("  return 0;\n}\n");
        Path source = dir.resolve("constants.c");
        Path binary = dir.resolve("constants");
        Files.writeString(source, c);
        run(List.of(cc.toString(), "-o", binary.toString(), source.toString()));
        Map<String, Long> native_ = new LinkedHashMap<>();
        for (String line : run(List.of(binary.toString())).split("\n")) {
            String[] parts = line.split(" ");
            native_.put(parts[0], Long.parseLong(parts[1]));
        }

        List<String> mismatches = new ArrayList<>();
        java.forEach((name, value) -> {
            // The headers spell some flags as unsigned 32-bit values (EPOLLET = 1u << 31); compare the low 32 bits there.
            long header = native_.get(name);
            long mine = value;
            if (header != mine && (header & 0xffffffffL) != (mine & 0xffffffffL)) {
                mismatches.add(name + ": java " + mine + ", header " + header);
            }
        });
        assertTrue(mismatches.isEmpty(), String.join("; ", mismatches));
        assertEquals(EpollEvent.SIZE, native_.get("sizeof_epoll_event"));
        assertEquals(IoVec.SIZE, native_.get("sizeof_iovec"));
        assertEquals(MmsgHdr.SIZE, native_.get("sizeof_mmsghdr"));
        assertEquals(SockaddrIn.SIZE, native_.get("sizeof_sockaddr_in"));
        assertTrue(java.size() > 150, "checked " + java.size() + " constants");
    }

    private static void collect(Class<?> type, Map<String, Long> into) throws IllegalAccessException {
        for (Field f : type.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m)
                    && (f.getType() == int.class || f.getType() == long.class)) {
                into.put(f.getName(), ((Number) f.get(null)).longValue());
            }
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, p.exitValue(), command + " failed:\n" + out);
        return out;
    }
}
