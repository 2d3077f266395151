package io.virtio4j.vhostuser;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A limit on the guest memory that several vhost-user sessions together may make this process
 * map (a switch's limit over all its ports). Each session reserves the bytes of its memory
 * table before it maps them and gives them back when it unmaps them, so a front-end that adds
 * huge sparse regions cannot take the address space another front-end needs: past the limit its
 * SET_MEM_TABLE or ADD_MEM_REG is refused instead. Thread-safe and lock-free; used only when a
 * memory table changes, never on the data path.
 */
public final class GuestMemoryBudget {
    private final long limit;
    private final AtomicLong reserved = new AtomicLong();

    /** A budget of {@code limitBytes} (positive). */
    public GuestMemoryBudget(long limitBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("a guest memory budget must be positive: " + limitBytes);
        }
        this.limit = limitBytes;
    }

    /** A budget that never refuses (each session's own limit still applies). */
    public static GuestMemoryBudget unlimited() {
        return new GuestMemoryBudget(Long.MAX_VALUE);
    }

    /** Reserves {@code bytes} (non-negative) if they fit; false, reserving nothing, if not. */
    public boolean tryReserve(long bytes) {
        long now;
        do {
            now = reserved.get();
            if (bytes > limit - now) {
                return false;
            }
        } while (!reserved.compareAndSet(now, now + bytes));
        return true;
    }

    /** Gives back {@code bytes} reserved before. */
    public void release(long bytes) {
        reserved.addAndGet(-bytes);
    }

    /** The limit in bytes. */
    public long limit() {
        return limit;
    }

    /** Bytes reserved now by every session sharing this budget. */
    public long reserved() {
        return reserved.get();
    }
}
