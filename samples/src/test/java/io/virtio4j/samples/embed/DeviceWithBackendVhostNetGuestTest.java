package io.virtio4j.samples.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;

/**
 * The device sample with {@code vhost-net:} for real: this host has no /dev/vhost-net, so
 * {@code scripts/linux-guest.sh --modules tun,vhost_net} boots Debian's kernel under QEMU, where
 * the sample runs with this JDK and this build's class path; a shell beside it gives the sample's
 * TAP an address once it exists, and the guest kernel answers the sample's ARP and pings.
 */
@NeedsKernel
@NeedsPeer
class DeviceWithBackendVhostNetGuestTest {
    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void inAGuestWithVhostNetTheDevicePingsTheKernelThroughTheKernelsWorker() throws Exception {
        Prerequisites.requireDebianGuest();
        Path script = Path.of("..", "scripts", "linux-guest.sh").toAbsolutePath().normalize();
        Path classpathFile = Path.of("target", "guest-classpath.txt");
        assertTrue(Files.exists(classpathFile), classpathFile + " missing: Maven writes it (dependency:build-classpath)");
        String classpath = Path.of("target", "classes").toAbsolutePath() + ":" + Files.readString(classpathFile).strip();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The guest's /tmp is its own; the job script lives in target/, which the guest sees read-only.
        Path job = Path.of("target", "vhost-net-sample-job.sh").toAbsolutePath();
        Files.writeString(job, String.join("\n",
                "#!/bin/sh",
                "'" + java + "' --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
                        + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '" + classpath + "' " + DeviceWithBackend.class.getName()
                        + " vhost-net:tap=vn0 10.78.0.2/24 10.78.0.1 &",
                "sample=$!",
                "i=0",
                "while [ ! -e /sys/class/net/vn0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done",
                "ip addr add 10.78.0.1/24 dev vn0 && ip link set dev vn0 up",
                "wait $sample",
                ""));
        Process process = new ProcessBuilder(List.of(script.toString(), "--modules", "tun,vhost_net", "--timeout", "150", "--", "sh", job.toString()))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        System.out.println(output);
        assertEquals(0, exit, "the sample in the guest failed:\n" + output);
        assertTrue(output.contains("backend vhost-net:tap=vn0 open"), output);
        assertTrue(output.contains("arp: 10.78.0.1 is at "), output);
        assertTrue(Pattern.compile("(?s).*seq 1: reply in [\\d.]+ ms, TTL 64.*seq 3: reply in [\\d.]+ ms, TTL 64.*").matcher(output).matches(), output);
    }
}
