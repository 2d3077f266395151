package io.virtio4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Gate for tests that need root, a device or a real peer.
 *
 * <p>Outside CI a missing prerequisite skips the test and prints why. With {@code CI=true} it fails
 * the test instead: CI installs everything, so a missing prerequisite there is a broken pipeline,
 * not a reason to go green.
 *
 * <p>A test that calls any of these must be tagged {@link NeedsKernel} or {@link NeedsPeer}, or it
 * fails here ({@link TestGroups}).
 */
public final class Prerequisites {
    private Prerequisites() {
    }

    /** True when running under CI ({@code CI=true}). */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Requires {@code condition}; otherwise skips (locally) or fails (in CI) with {@code reason}. */
    public static void require(boolean condition, String reason) {
        // Before the condition: an untagged test fails on every machine, not only where it would skip.
        TestGroups.requireTaggedForPrerequisite(reason);
        if (!condition) {
            missing(reason);
        }
    }

    /**
     * Skips (locally) or fails (in CI) for a prerequisite found missing elsewhere: a guest run's
     * test whose class {@link KvmHostOrGuest} has already checked for its tag.
     */
    static void missing(String reason) {
        String message = "prerequisite missing: " + reason;
        if (inCi()) {
            Assertions.fail(message + " (CI=true, so this is a failure, not a skip)");
        }
        System.out.println("SKIPPED: " + message);
        Assumptions.abort(message);
    }

    /** Requires effective uid 0 (CAP_NET_ADMIN and friends). */
    public static void requireRoot() {
        require(isRoot(), "needs root (CAP_NET_ADMIN); run the tests as root");
    }

    /** Requires that {@code path} exists. */
    public static void requirePath(String path, String what) {
        require(Files.exists(Path.of(path)), what + " (" + path + " not found)");
    }

    /** Requires an executable on the PATH, returning its path. */
    public static Path requireExecutable(String name, String installHint) {
        return requireExecutable("", name, installHint);
    }

    private static Path requireExecutable(String context, String name, String installHint) {
        Path found = which(name);
        require(found != null, context + name + " not on PATH; " + installHint);
        return found;
    }

    /**
     * Requires what the QEMU guests of scripts/lib/debian-guest.sh need: QEMU with qboot, busybox,
     * and the tools that fetch and unpack Debian's kernel package (.ci/run installs them all).
     */
    public static void requireDebianGuest() {
        requireDebianGuest("");
    }

    /** As {@link #requireDebianGuest()}, each message starting with {@code context} (why a guest is needed). */
    public static void requireDebianGuest(String context) {
        requireExecutable(context, "qemu-system-x86_64", "install qemu-system-x86");
        require(Files.exists(Path.of("/usr/share/qemu/qboot.rom")),
                context + "QEMU's qboot firmware (/usr/share/qemu/qboot.rom not found; install qemu-system-data)");
        requireExecutable(context, "busybox", "install busybox-static");
        requireExecutable(context, "apt-get", "the guest kernel comes from Debian's linux-image-amd64");
        requireExecutable(context, "dpkg-deb", "the guest kernel comes from Debian's linux-image-amd64");
        requireExecutable(context, "depmod", "install kmod");
        requireExecutable(context, "cpio", "install cpio");
        requireExecutable(context, "xz", "install xz-utils");
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] fields = line.split("\\s+");
                    return fields.length > 2 && "0".equals(fields[2]);
                }
            }
        } catch (java.io.IOException e) {
            return false;
        }
        return false;
    }

    static Path which(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
