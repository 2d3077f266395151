package io.virtio4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a KVM test gets its /dev/kvm: the one place that decides. The host's when it has a usable
 * one; otherwise a throw-away QEMU guest's ({@code scripts/linux-guest.sh --kvm}: TCG with
 * {@code -cpu max}, which offers SVM, and kvm_amd or kvm_intel loaded), because some hosts of this
 * project's kind have no KVM at all.
 *
 * <p>{@value #HIDE_ENV}{@code =1} or {@code -D}{@value #HIDE_PROPERTY}{@code =true} hides the host's
 * /dev/kvm, to try the guest path on a host that has one.
 */
public enum KvmSource {
    /** The host's /dev/kvm. */
    HOST,
    /** A QEMU guest's /dev/kvm. */
    GUEST;

    /** Environment variable that hides the host's /dev/kvm when {@code 1} or {@code true}. */
    public static final String HIDE_ENV = "VIRTIO4J_HIDE_HOST_KVM";
    /** System property that hides the host's /dev/kvm when {@code true}. */
    public static final String HIDE_PROPERTY = "virtio4j.hideHostKvm";
    /** Set by {@link GuestJUnit} in the guest: use the guest's /dev/kvm, never start another guest. */
    public static final String IN_GUEST_PROPERTY = "virtio4j.testing.inLinuxGuest";

    static final Path DEV_KVM = Path.of("/dev/kvm");

    /** Where the KVM tests of this JVM get their /dev/kvm. */
    public static KvmSource detect() {
        return whyNotHost() == null ? HOST : GUEST;
    }

    /** True in the JVM that {@link GuestJUnit} runs inside the guest. */
    public static boolean insideGuest() {
        return Boolean.getBoolean(IN_GUEST_PROPERTY);
    }

    /** Why the host's /dev/kvm is not used (for the test output), or null when it is. */
    public static String whyNotHost() {
        if (insideGuest()) {
            return null;
        }
        String env = System.getenv(HIDE_ENV);
        if ("1".equals(env) || "true".equalsIgnoreCase(env)) {
            return "host /dev/kvm hidden by " + HIDE_ENV + "=" + env;
        }
        if (Boolean.getBoolean(HIDE_PROPERTY)) {
            return "host /dev/kvm hidden by -D" + HIDE_PROPERTY + "=true";
        }
        if (!Files.exists(DEV_KVM)) {
            return "host has no /dev/kvm";
        }
        if (!Files.isReadable(DEV_KVM) || !Files.isWritable(DEV_KVM)) {
            return "host /dev/kvm is not readable and writable by this user";
        }
        return null;
    }

    /** True when the host's /dev/kvm exists and this user may open it. */
    static boolean usable() {
        return Files.exists(DEV_KVM) && Files.isReadable(DEV_KVM) && Files.isWritable(DEV_KVM);
    }
}
