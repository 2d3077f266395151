package io.virtio4j.ovs.flow;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenFlow port numbers ({@code ofport}) by port name, kept for the daemon's life as OVS keeps
 * one per interface: a port keeps its number when others are removed or added, and one removed
 * and added again gets its old number back. The ports a switch starts with are numbered 1..n in
 * their config order; a new name gets one more than the highest number given so far. Flows
 * installed through OpenFlow name ports by these numbers, so {@code ctl del-port} does not make
 * them point at another port. Thread-safe (the agent's connections and reconfigurations use it).
 */
public final class PortNumbers {
    /** OpenFlow's highest ordinary port number ({@code OFPP_MAX}). */
    public static final long MAX = 0xffffff00L;

    private final Map<String, Long> numbers = new HashMap<>();
    private long highest;

    /** Numbers {@code names} 1..n in order. */
    public PortNumbers(List<String> names) {
        for (String n : names) {
            numberOf(n);
        }
    }

    /** The port's number, given now if the name is new. */
    public synchronized long numberOf(String name) {
        Long n = numbers.get(name);
        if (n == null) {
            if (highest >= MAX) {
                throw new IllegalStateException("no OpenFlow port number is left for port " + name);
            }
            n = ++highest;
            numbers.put(name, n);
        }
        return n;
    }
}
