package io.virtio4j.vring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The ordered 16-bit stores into guest rings (indexes, flags, event fields), written as fences
 * around a plain store instead of a 16-bit {@code setRelease}/{@code setVolatile}.
 *
 * <p>Why: a peer may shrink the file behind guest memory at any time (issue 13). HotSpot turns
 * the resulting SIGBUS into an {@code InternalError} for plain, acquire and 32/64-bit accesses in
 * every tier, but while the caller still runs in the interpreter a 16-bit (or 8-bit) release,
 * volatile or opaque store goes through a native Unsafe routine whose faulting instruction the
 * signal handler cannot decode: the JVM aborts in {@code Assembler::locate_operand}
 * (reproduced with Temurin 25.0.3; {@code ShrunkRingStoresTest} runs the ring's stores in an
 * {@code -Xint} JVM over a truncated file). A release fence followed by a plain store is a
 * release store in the Java memory model, and adding a full fence after it gives the volatile
 * store's store-load order; compiled code is the same as before (on x86 a compiler barrier, and
 * one locked instruction for the full fence).
 */
final class OrderedStores {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);

    private OrderedStores() {
    }

    /** Everything written before is visible before {@code value} (a release store). */
    static void release16(MemorySegment ring, long offset, short value) {
        VarHandle.releaseFence();
        // In bounds: callers pass the offset of a fixed ring field that map() checked lies in the slice.
        ring.set(U16, offset, value);
    }

    /**
     * A release store that is also ordered before every later load: the enable-then-recheck of
     * event suppression needs the flag or event index stored before the ring is read again.
     */
    static void volatile16(MemorySegment ring, long offset, short value) {
        VarHandle.releaseFence();
        // In bounds: as in release16.
        ring.set(U16, offset, value);
        VarHandle.fullFence();
    }
}
