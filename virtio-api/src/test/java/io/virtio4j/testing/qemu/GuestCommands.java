package io.virtio4j.testing.qemu;

/**
 * Shell command lines for a guest of {@code scripts/qemu-guest.sh} (busybox sh) that wait for the
 * network: each returns 0 when what it waits for happened and 1 when it gave up, so the guest's
 * console ({@code qemu-guest: exit N STATUS}) says which.
 */
public final class GuestCommands {
    /** Returns once eth0's carrier is gone (its vhost-user back-end left), failing after 60 s. */
    public static final String UNTIL_CARRIER_LOST = "for i in $(seq 600); do [ \"$(cat /sys/class/net/eth0/carrier)\" = 0 ]"
            + " && echo carrier lost && exit 0; usleep 100000; done; exit 1";

    private GuestCommands() {
    }

    /** Pings {@code ip} once a second until it answers, for at most 60 s. */
    public static String untilReachable(String ip) {
        return untilReachable(ip, "");
    }

    /**
     * As {@link #untilReachable(String)}, with more options for ping ({@code "-s 16"}: a request
     * small enough for the switch's own gateway address to answer).
     */
    public static String untilReachable(String ip, String pingOptions) {
        String options = pingOptions.isEmpty() ? "" : pingOptions + " ";
        return "for i in $(seq 60); do ping -c 1 -W 1 " + options + ip + " > /dev/null && exit 0; done; exit 1";
    }
}
