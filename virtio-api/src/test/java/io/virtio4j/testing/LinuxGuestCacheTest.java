package io.virtio4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/linux-guest.sh's image cache, without booting a guest ({@code --prepare-only}): one
 * initramfs per module set and /init, built when either changes, reused otherwise, and the ones
 * of other recipes left in place. In a cache of its own; the kernel package, its modules.dep and
 * vmlinux are borrowed from the default cache when they are there, so each image costs only its
 * modules' pass over the package (a few seconds).
 */
@NeedsPeer
class LinuxGuestCacheTest {
    @TempDir
    Path dir;

    /** What one {@code --prepare-only} run did. */
    private record Prepared(Path image, boolean built, String stderr) {
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void anImageIsBuiltPerModuleSetAndInitAndReusedOtherwise() throws Exception {
        Prerequisites.requireDebianGuest();
        Path cache = dir.resolve("cache");
        borrowKernelPackages(cache);
        Path script = GuestTestRun.script();

        Prepared tun = prepare(script, cache, "--modules", "tun");
        assertTrue(tun.built(), "a new cache builds: " + tun.stderr());
        List<String> tunFiles = listImage(tun.image());
        assertTrue(tunFiles.contains("modules/tun.ko") && tunFiles.contains("modules/tun.load"), tunFiles.toString());
        assertFalse(tunFiles.contains("modules/kvm.ko"), tunFiles.toString());

        Prepared again = prepare(script, cache, "--modules", "tun");
        assertFalse(again.built(), "the same recipe reuses the image: " + again.stderr());
        assertEquals(tun.image(), again.image());

        Prepared kvm = prepare(script, cache, "--modules", "tun", "--kvm");
        assertTrue(kvm.built(), "another module set builds another image: " + kvm.stderr());
        assertNotEquals(tun.image(), kvm.image());
        assertTrue(Files.exists(tun.image()), "the other recipe's image stays");
        List<String> kvmFiles = listImage(kvm.image());
        for (String file : List.of("modules/tun.ko", "modules/kvm.ko", "modules/kvm-amd.ko", "modules/kvm-intel.ko",
                "modules/kvm_amd.load", "modules/kvm_intel.load")) {
            assertTrue(kvmFiles.contains(file), file + " in " + kvmFiles);
        }
        // Each vendor module's load list has kvm before it, and it last.
        for (String vendor : List.of("amd", "intel")) {
            List<String> order = List.of(readFromImage(kvm.image(), "modules/kvm_" + vendor + ".load").split("\n"));
            assertEquals("kvm-" + vendor + ".ko", order.getLast(), order.toString());
            assertTrue(order.contains("kvm.ko"), order.toString());
        }

        // A changed /init: a copy of the scripts with one more line in the guest's part.
        Path copy = dir.resolve("scripts");
        Files.createDirectories(copy.resolve("lib"));
        Files.copy(script.resolveSibling("lib").resolve("debian-guest.sh"), copy.resolve("lib").resolve("debian-guest.sh"));
        String text = Files.readString(script);
        String changedText = text.replace("kvm=$kvm\n", "kvm=$kvm\n: a changed init\n");
        assertNotEquals(text, changedText, "the script's /init starts with kvm=$kvm");
        Path changedScript = copy.resolve("linux-guest.sh");
        Files.writeString(changedScript, changedText);
        Prepared changed = prepare(changedScript, cache, "--modules", "tun");
        assertTrue(changed.built(), "a changed /init builds another image: " + changed.stderr());
        assertNotEquals(tun.image(), changed.image());
        assertTrue(readFromImage(changed.image(), "init").contains(": a changed init\n"));
        assertFalse(readFromImage(tun.image(), "init").contains(": a changed init\n"));
    }

    /** Hard links (or copies) what the default cache keeps per kernel package, but no image, into {@code cache}. */
    private static void borrowKernelPackages(Path cache) throws IOException {
        String env = System.getenv().getOrDefault("LINUX_GUEST_CACHE", System.getenv("VHOST_NET_GUEST_CACHE"));
        Path defaultCache = env != null ? Path.of(env)
                : Path.of(System.getenv().getOrDefault("XDG_CACHE_HOME", System.getProperty("user.home") + "/.cache"),
                        "virtio4j", "linux-guest");
        if (!Files.isDirectory(defaultCache)) {
            return;
        }
        try (Stream<Path> kernels = Files.list(defaultCache)) {
            for (Path kernel : kernels.filter(k -> Files.isRegularFile(k.resolve("package.deb"))).toList()) {
                Path target = cache.resolve(kernel.getFileName());
                Files.createDirectories(target);
                for (String name : List.of("package.deb", "modules.dep", "kver", "vmlinux")) {
                    if (Files.isRegularFile(kernel.resolve(name))) {
                        try {
                            Files.createLink(target.resolve(name), kernel.resolve(name));
                        } catch (IOException | UnsupportedOperationException e) {
                            Files.copy(kernel.resolve(name), target.resolve(name));
                        }
                    }
                }
            }
        }
    }

    private static Prepared prepare(Path script, Path cache, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", script.toString(), "--cache", cache.toString(), "--prepare-only"));
        command.addAll(List.of(options));
        Path errors = Files.createTempFile(cache.getParent(), "prepare", ".err");
        Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int exit = process.waitFor();
        String stderr = Files.readString(errors);
        assertEquals(0, exit, "prepare failed: " + stderr);
        Path image = Path.of(stdout);
        assertTrue(Files.isRegularFile(image), "no image at " + stdout + ": " + stderr);
        assertTrue(Files.isRegularFile(image.resolveSibling("vmlinux")), "no vmlinux beside " + image);
        return new Prepared(image, stderr.contains("linux-guest: preparing "), stderr);
    }

    private static List<String> listImage(Path image) throws Exception {
        return List.of(shell("zcat '" + image + "' | cpio -t --quiet").split("\n"));
    }

    private static String readFromImage(Path image, String file) throws Exception {
        return shell("zcat '" + image + "' | cpio -i --quiet --to-stdout '" + file + "'");
    }

    private static String shell(String pipeline) throws Exception {
        Process process = new ProcessBuilder("bash", "-o", "pipefail", "-c", pipeline).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), pipeline + ": " + out);
        return out;
    }
}
