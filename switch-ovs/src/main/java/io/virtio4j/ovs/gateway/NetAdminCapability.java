package io.virtio4j.ovs.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process holds CAP_NET_ADMIN, read from the CapEff line of /proc/self/status. */
final class NetAdminCapability {
    /** linux/capability.h. */
    static final int CAP_NET_ADMIN = 12;

    private NetAdminCapability() {
    }

    static boolean held() {
        try {
            return held(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return false;
        }
    }

    /** Parses the effective capability set out of a /proc/PID/status text. */
    static boolean held(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("CapEff:")) {
                long effective = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
                return (effective & (1L << CAP_NET_ADMIN)) != 0;
            }
        }
        return false;
    }
}
