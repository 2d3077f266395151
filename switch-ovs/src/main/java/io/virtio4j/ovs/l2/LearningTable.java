package io.virtio4j.ovs.l2;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;

/**
 * A learning map from a non-zero long key to a non-negative long value, with a size cap, ageing
 * and a generation number: what a MAC learning table (key: VLAN and MAC, value: port) and a
 * neighbour table (key: VLAN and IP, value: MAC) both are.
 *
 * <p>Storage is open addressing with linear probing over three primitive arrays (key 0 means an
 * empty slot; deletion shifts the following run back instead of leaving tombstones), sized to at
 * most half full, so an entry costs no object.
 *
 * <p>Thread safety, for several PMD threads at once: a {@link StampedLock}. Lookups and the
 * common learning case (a known key seen again on the same value) take no lock: they probe under
 * an optimistic stamp and retry under the read lock if a writer interfered; the refreshed
 * timestamp is written with an opaque store (atomic, never torn), and only once it is older than
 * a small slack (at most a second, 1/16 of the ageing), so a steady refresh is a read. Only a change (new key, moved
 * value, removal) takes the write lock and bumps {@link #generation()}, so caches built from
 * lookups can tell when to throw their results away. Static entries never age and are never
 * flushed.
 */
public final class LearningTable {
    /** What {@link #lookup} returns for a missing or aged-out key. */
    public static final long MISSING = -1;
    /** The timestamp of a static entry. */
    private static final long STATIC = Long.MAX_VALUE;
    private static final VarHandle STAMPS = MethodHandles.arrayElementVarHandle(long[].class);

    /** The outcome of learning. */
    public enum Learned {
        /** Known with this value: only its timestamp moved. */
        REFRESHED,
        /** New (or back after ageing out). */
        ADDED,
        /** Known and live with another value: now has this one (a station move). */
        MOVED,
        /** New, but the table is full: not learned. */
        FULL,
        /** A static entry has this key: it stays as configured. */
        STATIC_KEPT,
        /** The caller refused the value before it reached the table (for example a multicast MAC). */
        REFUSED
    }

    /** Receives entries from {@link #forEach}. */
    @FunctionalInterface
    public interface Visitor {
        /** One entry: its key, value, when it was last seen and whether it is static (never ages). */
        void entry(long key, long value, long lastSeenNanos, boolean isStatic);
    }

    private final StampedLock lock = new StampedLock();
    private final long[] keys;
    private final long[] values;
    private final long[] lastSeen;
    private final int mask;
    private final int maxEntries;
    private final long ageingNanos;
    private final long sweepIntervalNanos;
    /**
     * How stale a live entry's timestamp may be before a refresh stores a new one: below it a
     * refresh is a read only, so a host sending at line rate does not write the shared line per
     * frame. An entry may thus age out up to this much early.
     */
    private final long refreshSlackNanos;
    private volatile int size;
    private volatile long generation;
    private final AtomicLong nextSweep;
    private final AtomicLong added = new AtomicLong();
    private final AtomicLong moves = new AtomicLong();
    private final AtomicLong refusedFull = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();

    /**
     * @param maxEntries  entries kept at most (static ones count too)
     * @param ageingNanos how long a learned entry lives after it was last seen
     * @param nowNanos    the clock's value now, to schedule the first ageing sweep
     */
    public LearningTable(int maxEntries, long ageingNanos, long nowNanos) {
        if (maxEntries < 1 || maxEntries > (1 << 28)) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + " is not in 1.." + (1 << 28));
        }
        if (ageingNanos <= 0) {
            throw new IllegalArgumentException("ageing must be positive");
        }
        int capacity = Integer.highestOneBit(maxEntries * 2 - 1) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        lastSeen = new long[capacity];
        mask = capacity - 1;
        this.maxEntries = maxEntries;
        this.ageingNanos = ageingNanos;
        // Sweeping twice per ageing period (at most once a second) bounds how long an aged entry
        // stays visible to caches that validate by generation only.
        this.sweepIntervalNanos = Math.max(1, Math.min(1_000_000_000L, ageingNanos / 2));
        this.nextSweep = new AtomicLong(nowNanos + sweepIntervalNanos);
        this.refreshSlackNanos = Math.min(1_000_000_000L, ageingNanos / 16);
    }

    private int home(long key) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 33) & mask;
    }

    /** The slot of {@code key} or -1; probes at most every slot, so a torn optimistic read cannot loop forever. */
    private int find(long key) {
        int slot = home(key);
        for (int probes = 0; probes <= mask; probes++) {
            long k = keys[slot];
            if (k == key) {
                return slot;
            }
            if (k == 0) {
                return -1;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private boolean live(int slot, long now) {
        long seen = (long) STAMPS.getOpaque(lastSeen, slot);
        return seen == STATIC || now - seen < ageingNanos;
    }

    /** The value of {@code key}, or {@link #MISSING} if absent or aged out. Lock-free unless a writer interferes. */
    public long lookup(long key, long now) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            int slot = find(key);
            long value = slot < 0 || !live(slot, now) ? MISSING : values[slot];
            if (lock.validate(stamp)) {
                return value;
            }
        }
        stamp = lock.readLock();
        try {
            int slot = find(key);
            return slot < 0 || !live(slot, now) ? MISSING : values[slot];
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Records that {@code key} was seen with {@code value} now. */
    public Learned learn(long key, long value, long now) {
        checkKey(key, value);
        if (refresh(key, value, now)) {
            return Learned.REFRESHED;
        }
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0 && size >= maxEntries && !sweepDue(now) && find(key) < 0 && lock.validate(stamp)) {
            // Full and nothing to reclaim yet: refuse without the write lock (an attacker sending
            // from random MACs must not serialise the PMD threads on it).
            refusedFull.incrementAndGet();
            return Learned.FULL;
        }
        maybeExpire(now);
        stamp = lock.writeLock();
        try {
            return learnLocked(key, value, now);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Moves the timestamp of {@code key} to {@code now} if the table holds it (learned, not static)
     * with {@code value} (a read only while the timestamp is within the refresh slack); never adds
     * or changes an entry, so the generation stays. Returns whether it did. Lock-free unless a
     * writer interferes; the timestamp store is opaque (atomic). If a writer shifted entries
     * meanwhile, the store may have refreshed another key (delaying its ageing by at most one
     * period) and the refresh is redone under the read lock.
     */
    public boolean refresh(long key, long value, long now) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            boolean touched = touch(key, value, now);
            if (lock.validate(stamp)) {
                return touched;
            }
        }
        stamp = lock.readLock();
        try {
            return touch(key, value, now);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Refreshes a live learned entry. An aged one is left to {@link #learn}'s locked path, which
     * revives it with a new generation: lookups saw it missing, so caches may hold a flood for it.
     */
    private boolean touch(long key, long value, long now) {
        int slot = find(key);
        if (slot < 0 || values[slot] != value) {
            return false;
        }
        long seen = (long) STAMPS.getOpaque(lastSeen, slot);
        if (seen == STATIC || now - seen >= ageingNanos) {
            return false;
        }
        if (now - seen >= refreshSlackNanos) {
            STAMPS.setOpaque(lastSeen, slot, now);
        }
        return true;
    }

    private Learned learnLocked(long key, long value, long now) {
        int slot = find(key);
        if (slot >= 0) {
            if (lastSeen[slot] == STATIC) {
                return Learned.STATIC_KEPT;
            }
            boolean wasLive = live(slot, now);
            STAMPS.setOpaque(lastSeen, slot, now);
            if (wasLive && values[slot] == value) {
                return Learned.REFRESHED;
            }
            boolean moved = wasLive;
            values[slot] = value;
            generation++;
            if (moved) {
                moves.incrementAndGet();
                return Learned.MOVED;
            }
            added.incrementAndGet();
            return Learned.ADDED;
        }
        if (size >= maxEntries) {
            refusedFull.incrementAndGet();
            return Learned.FULL;
        }
        insertLocked(key, value, now);
        added.incrementAndGet();
        return Learned.ADDED;
    }

    private void insertLocked(long key, long value, long stampValue) {
        int slot = home(key);
        while (keys[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        values[slot] = value;
        STAMPS.setOpaque(lastSeen, slot, stampValue);
        keys[slot] = key;
        size++;
        generation++;
    }

    /** Adds or replaces an entry that never ages and survives {@link #flush()}. */
    public void putStatic(long key, long value) {
        checkKey(key, value);
        long stamp = lock.writeLock();
        try {
            int slot = find(key);
            if (slot >= 0) {
                values[slot] = value;
                STAMPS.setOpaque(lastSeen, slot, STATIC);
                generation++;
            } else if (size >= maxEntries) {
                throw new IllegalArgumentException("table full (" + maxEntries + " entries): no room for a static entry");
            } else {
                insertLocked(key, value, STATIC);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private static void checkKey(long key, long value) {
        if (key == 0 || value < 0) {
            throw new IllegalArgumentException("key 0 and negative values are reserved");
        }
    }

    /** Removes the entry at {@code slot} and shifts the following run back so probes still find every key. */
    private void removeLocked(int slot) {
        int hole = slot;
        int next = (hole + 1) & mask;
        while (keys[next] != 0) {
            int want = home(keys[next]);
            // The entry at next may fill the hole unless its home lies cyclically in (hole, next].
            boolean stays = hole <= next ? (want > hole && want <= next) : (want > hole || want <= next);
            if (!stays) {
                keys[hole] = keys[next];
                values[hole] = values[next];
                STAMPS.setOpaque(lastSeen, hole, lastSeen[next]);
                hole = next;
            }
            next = (next + 1) & mask;
        }
        keys[hole] = 0;
        size--;
        generation++;
    }

    private boolean sweepDue(long now) {
        return now - nextSweep.get() >= 0;
    }

    /**
     * Runs {@link #expire} if a sweep is due; cheap otherwise (one volatile read). Only the thread
     * that wins the race for the due sweep runs it.
     */
    public void maybeExpire(long now) {
        long due = nextSweep.get();
        if (now - due >= 0 && nextSweep.compareAndSet(due, now + sweepIntervalNanos)) {
            expire(now);
        }
    }

    /** Removes learned entries not seen for the ageing period; returns how many. */
    public int expire(long now) {
        long stamp = lock.writeLock();
        try {
            int removed = 0;
            for (int slot = 0; slot <= mask; slot++) {
                // After a removal the slot may hold a shifted-back entry: look at it again.
                while (keys[slot] != 0 && !live(slot, now)) {
                    removeLocked(slot);
                    removed++;
                }
            }
            expired.addAndGet(removed);
            return removed;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Removes every learned entry whose value is {@code value} (a port going away); returns how many. */
    public int removeValue(long value) {
        return removeLearnedIf(value, true);
    }

    /** Removes every learned entry; static ones stay. Returns how many went. */
    public int flush() {
        return removeLearnedIf(0, false);
    }

    private int removeLearnedIf(long value, boolean onlyThisValue) {
        long stamp = lock.writeLock();
        try {
            int removed = 0;
            for (int slot = 0; slot <= mask; slot++) {
                while (keys[slot] != 0 && lastSeen[slot] != STATIC && (!onlyThisValue || values[slot] == value)) {
                    removeLocked(slot);
                    removed++;
                }
            }
            return removed;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Visits every live entry under the read lock (for the control interface, not the data path). */
    public void forEach(long now, Visitor visitor) {
        long stamp = lock.readLock();
        try {
            for (int slot = 0; slot <= mask; slot++) {
                if (keys[slot] != 0 && live(slot, now)) {
                    boolean isStatic = lastSeen[slot] == STATIC;
                    visitor.entry(keys[slot], values[slot], isStatic ? now : lastSeen[slot], isStatic);
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Bumped on every change of a key's value, insertion and removal; not on a refresh. */
    public long generation() {
        return generation;
    }

    /** Entries held, aged-out ones not yet swept included. */
    public int size() {
        return size;
    }

    /** The size cap: learning stops (and is counted) when the table is full. */
    public int maxEntries() {
        return maxEntries;
    }

    /** Keys learned (new, or back after ageing out). */
    public long added() {
        return added.get();
    }

    /** Live keys seen with a new value (station moves). */
    public long moves() {
        return moves.get();
    }

    /** Learning refused because the table was full. */
    public long refusedFull() {
        return refusedFull.get();
    }

    /** Entries removed by ageing. */
    public long expired() {
        return expired.get();
    }
}
