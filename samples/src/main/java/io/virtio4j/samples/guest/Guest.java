package io.virtio4j.samples.guest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import io.virtio4j.ovs.model.Ipv4;

/**
 * A demo guest: a {@link TinyIpStack} on a {@link NicDriver}. {@link #poll()} runs received frames
 * through the stack (which answers ARP and pings); {@link #resolve} and {@link #ping} are the
 * guest's own {@code arping} and {@code ping}, driven by the caller's thread, which also polls
 * every other in-process guest through {@code others} so their answers come.
 */
public final class Guest {
    private final TinyIpStack stack;
    private final NicDriver nic;
    private final MemorySegment frame = Arena.ofAuto().allocate(TinyIpStack.MAX_FRAME);
    private final DeferredFrames answers = new DeferredFrames(Arena.ofAuto());

    public Guest(TinyIpStack stack, NicDriver nic) {
        this.stack = stack;
        this.nic = nic;
    }

    /** Feeds every received frame to the stack, then sends its answers; returns how many frames came. */
    public int poll() {
        int n = nic.receive(f -> stack.receive(f, answers));
        answers.drainTo(nic);
        return n;
    }

    /** Answers (ARP, echo replies) that were dropped for want of transmit room. */
    public long answersDropped() {
        return answers.dropped();
    }

    /**
     * Sends ARP requests for {@code ip} (one per 200 ms) until a reply arrives; returns the MAC.
     *
     * @throws GuestException if nobody answers within {@code timeout}
     */
    public long resolve(int ip, Runnable others, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextRequest = 0;
        while (stack.neighbour(ip) == 0) {
            long now = System.nanoTime();
            if (now - deadline > 0) {
                throw new GuestException(stack.name() + ": no ARP reply for " + Ipv4.format(ip) + " within " + timeout.toMillis() + " ms");
            }
            if (now - nextRequest >= 0) {
                send(stack.arpRequest(ip, frame));
                nextRequest = now + 200_000_000L;
            }
            idle(others);
        }
        return stack.neighbour(ip);
    }

    /**
     * Pings {@code target} once with sequence {@code seq} (resolving the next hop first); returns
     * the reply.
     *
     * @throws GuestException if no reply comes within {@code timeout}
     */
    public TinyIpStack.EchoReply ping(int target, int seq, Runnable others, Duration timeout) {
        long nextHop = stack.nextHopMac(target);
        if (nextHop == 0) {
            nextHop = resolve(stack.nextHop(target), others, timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        send(stack.echoRequest(nextHop, target, seq, frame));
        while (stack.lastReply() == null || stack.lastReply().seq() != seq) {
            if (System.nanoTime() - deadline > 0) {
                throw new GuestException(stack.name() + ": no echo reply from " + Ipv4.format(target) + " (seq " + seq + ") within "
                        + timeout.toMillis() + " ms");
            }
            idle(others);
        }
        return stack.lastReply();
    }

    private void send(int length) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (!nic.send(frame, length)) {
            if (System.nanoTime() - deadline > 0) {
                throw new GuestException(stack.name() + ": the transmit ring stayed full for a second");
            }
            LockSupport.parkNanos(50_000);
        }
    }

    private void idle(Runnable others) {
        others.run();
        if (poll() == 0) {
            LockSupport.parkNanos(20_000);
        }
    }

    public TinyIpStack stack() {
        return stack;
    }

    public NicDriver nic() {
        return nic;
    }

    @Override
    public String toString() {
        return stack.toString();
    }
}
