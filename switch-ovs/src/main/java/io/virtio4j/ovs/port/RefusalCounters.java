package io.virtio4j.ovs.port;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

import io.virtio4j.ovs.offload.OffloadError;
import io.virtio4j.ovs.offload.OffloadRefusals;
import io.virtio4j.vhostuser.VhostUserCounter;
import io.virtio4j.vhostuser.VhostUserCounters;
import io.virtio4j.vring.ChainError;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * What a vhost-user port's front-end had refused, by reason, for {@code ctl refusals} and the
 * counters file: the protocol refusals of its sessions ({@code port:<name>:vhost_<reason>}) and the
 * descriptor chains its rings refused ({@code port:<name>:chain_<error>}), the frames dropped for a
 * refused virtio-net header ({@code port:<name>:vnet_<error>}), and beside them the
 * front-end sessions that ended ({@code port:<name>:vhost_sessions_ended}).
 *
 * <p>The sessions count their {@code vhost_*} counters straight into the counters file (the port
 * allocates them there), so those are only read here. The others are sums the data path keeps
 * elsewhere (a chain error over a ring's live and retired queues, a refusal per PMD): {@link #refresh}
 * copies them into counters of their own from the control side, so nothing is added to the data path.
 */
public final class RefusalCounters implements AutoCloseable {
    /** One counter: its label after the port prefix, and where its value comes from. */
    public record Source(String label, LongSupplier value) {
    }

    /** What a port kind adds to {@link #refresh} and {@link #close} (a VXLAN port's per-VTEP counters). */
    public interface Extra extends AutoCloseable {
        /** Copies the extra counts into their counters; control side only. */
        void refresh();

        /** Frees the extra counters. */
        @Override
        void close();
    }

    private static final Extra NO_EXTRA = new Extra() {
        @Override
        public void refresh() {
        }

        @Override
        public void close() {
        }
    };

    private final Extra extra;

    /** One reason's count, for {@code ctl refusals}. */
    public record Reason(String label, long count) {
    }

    /** The counter of ended front-end sessions ({@code port:NAME:vhost_sessions_ended}), which {@link #reasons()} leaves out. */
    public static final String SESSIONS = VhostUserCounter.SESSIONS_ENDED.label();

    /**
     * The back-end counters {@link #reasons()} reads, in their descriptor order: every refusal, then
     * (left out of the list, not a refusal) the sessions that ended. Messages received are traffic,
     * not a refusal.
     */
    private static final Set<VhostUserCounter> LISTED = EnumSet.complementOf(EnumSet.of(VhostUserCounter.MESSAGES));

    /** Reasons whose counters live in the counters file already (read, never copied), listed first. */
    private final List<Source> direct;
    /** Reasons copied into {@link #group} by {@link #refresh}, in its counter order. */
    private final List<Source> sources;
    private final CounterGroup group;

    /**
     * Allocates the counters of vhost-user port {@code name} in {@code manager}.
     *
     * @throws PortException if the manager is full (nothing is left allocated)
     */
    public RefusalCounters(CountersManager manager, String name, VhostUserPort port) {
        VhostUserCounters c = port.sessionCounters();
        List<Source> d = new ArrayList<>();
        // The back-end's own counters under their descriptors' labels, in the order ctl refusals lists them.
        for (VhostUserCounter v : LISTED) {
            d.add(new Source(v.label(), () -> c.get(v)));
        }
        List<Source> s = new ArrayList<>();
        for (ChainError e : ChainError.values()) {
            s.add(new Source(e.label(), () -> port.chainErrors(e)));
        }
        for (OffloadError e : OffloadRefusals.errors()) {
            s.add(new Source(e.label(), () -> port.offloadRefusals(e)));
        }
        this(manager, name, d, s, NO_EXTRA);
    }

    /**
     * Counters {@code port:<name>:<label>} for another kind of port's refusals (a VXLAN port's
     * drops by reason), with {@code extra} refreshed and closed with them.
     *
     * @throws PortException if the manager is full (nothing is left allocated)
     */
    public RefusalCounters(CountersManager manager, String name, List<Source> sources, Extra extra) {
        this(manager, name, List.of(), sources, extra);
    }

    private RefusalCounters(CountersManager manager, String name, List<Source> direct, List<Source> sources, Extra extra) {
        this.direct = List.copyOf(direct);
        this.sources = List.copyOf(sources);
        this.extra = extra;
        try {
            group = new CounterGroup(manager, "port:" + name + ":", PortCounters.TYPE_ID, sources.stream().map(Source::label).toList());
        } catch (IllegalStateException e) {
            throw new PortException("port " + name + ": " + e.getMessage(), e);
        }
    }

    /** Copies every count into its counter. Control side only (a few reads per reason, no locks). */
    public void refresh() {
        for (int i = 0; i < sources.size(); i++) {
            AtomicCounter counter = group.counter(i);
            if (!counter.isClosed()) {
                counter.setRelease(sources.get(i).value().getAsLong());
            }
        }
        extra.refresh();
    }

    /** Every reason with its count now (refreshing the counters on the way). */
    public List<Reason> reasons() {
        List<Reason> out = new ArrayList<>(direct.size() + sources.size());
        for (Source d : direct) {
            if (!d.label().equals(SESSIONS)) {
                out.add(new Reason(d.label(), d.value().getAsLong()));
            }
        }
        for (int i = 0; i < sources.size(); i++) {
            long value = sources.get(i).value().getAsLong();
            AtomicCounter counter = group.counter(i);
            if (!counter.isClosed()) {
                counter.setRelease(value);
            }
            if (!sources.get(i).label().equals(SESSIONS)) {
                out.add(new Reason(sources.get(i).label(), value));
            }
        }
        return out;
    }

    /** Frees the counters in the manager. */
    @Override
    public void close() {
        try {
            group.close();
        } finally {
            extra.close();
        }
    }
}
