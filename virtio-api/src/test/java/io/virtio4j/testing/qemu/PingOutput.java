package io.virtio4j.testing.qemu;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Busybox ping's output: one {@code 64 bytes from ADDR: seq=N ttl=T time=...} line per reply and
 * the summary {@code N packets transmitted, M packets received}.
 *
 * @param from        the addresses replies came from, in order
 * @param ttls        each reply's TTL, in the same order
 * @param transmitted requests sent (-1 if ping printed no summary)
 * @param received    replies received (-1 if ping printed no summary)
 */
public record PingOutput(List<String> from, List<Integer> ttls, int transmitted, int received) {
    private static final Pattern REPLY = Pattern.compile("(?m)^\\d+ bytes from ([0-9.]+): seq=\\d+ ttl=(\\d+)");
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) packets received");

    public static PingOutput parse(String output) {
        List<String> from = new ArrayList<>();
        List<Integer> ttls = new ArrayList<>();
        Matcher reply = REPLY.matcher(output);
        while (reply.find()) {
            from.add(reply.group(1));
            ttls.add(Integer.parseInt(reply.group(2)));
        }
        Matcher summary = SUMMARY.matcher(output);
        if (!summary.find()) {
            return new PingOutput(from, ttls, -1, -1);
        }
        return new PingOutput(from, ttls, Integer.parseInt(summary.group(1)), Integer.parseInt(summary.group(2)));
    }
}
