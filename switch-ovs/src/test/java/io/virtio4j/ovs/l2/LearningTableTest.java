package io.virtio4j.ovs.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.l2.LearningTable.Learned;

class LearningTableTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void learnsRefreshesAndMovesWithTheGenerationBumpedOnlyOnChange() {
        LearningTable t = new LearningTable(16, 10 * SECOND, 0);
        assertEquals(LearningTable.MISSING, t.lookup(5, 0));
        assertEquals(Learned.ADDED, t.learn(5, 1, 0));
        long afterAdd = t.generation();
        assertEquals(1, t.lookup(5, 1));
        assertEquals(Learned.REFRESHED, t.learn(5, 1, SECOND));
        assertEquals(afterAdd, t.generation(), "a refresh changes nothing a cache depends on");
        assertEquals(Learned.MOVED, t.learn(5, 2, 2 * SECOND));
        assertNotEquals(afterAdd, t.generation());
        assertEquals(2, t.lookup(5, 2 * SECOND));
        assertEquals(1, t.moves());
        assertEquals(1, t.added());
    }

    @Test
    void refreshOnlyTouchesAnEntryHeldWithThatValue() {
        LearningTable t = new LearningTable(16, 10 * SECOND, 0);
        t.putStatic(1, 9);
        t.learn(2, 4, 0);
        long generation = t.generation();
        assertEquals(false, t.refresh(3, 4, SECOND), "absent: not added");
        assertEquals(false, t.refresh(2, 5, SECOND), "another value: not moved");
        assertEquals(false, t.refresh(1, 9, SECOND), "static entries have no timestamp");
        assertEquals(true, t.refresh(2, 4, 9 * SECOND));
        assertEquals(4, t.lookup(2, 18 * SECOND));
        assertEquals(LearningTable.MISSING, t.lookup(3, SECOND));
        assertEquals(generation, t.generation());
    }

    @Test
    void entriesAgeOutAfterTheirPeriodSinceLastSeen() {
        LearningTable t = new LearningTable(16, 10 * SECOND, 0);
        t.learn(7, 3, 0);
        t.learn(7, 3, 8 * SECOND);
        assertEquals(3, t.lookup(7, 17 * SECOND), "refreshed at 8 s, so alive at 17 s");
        assertEquals(LearningTable.MISSING, t.lookup(7, 18 * SECOND));
        long before = t.generation();
        assertEquals(1, t.expire(18 * SECOND));
        assertEquals(0, t.size());
        assertEquals(1, t.expired());
        assertNotEquals(before, t.generation());
        assertEquals(Learned.ADDED, t.learn(7, 4, 19 * SECOND), "back after ageing: a new entry, not a move");
        assertEquals(0, t.moves());
    }

    @Test
    void anAgedEntrySeenAgainBeforeTheSweepComesBackWithANewGeneration() {
        LearningTable t = new LearningTable(16, 10 * SECOND, 0);
        t.learn(7, 3, 0);
        long generation = t.generation();
        assertEquals(LearningTable.MISSING, t.lookup(7, 11 * SECOND));
        assertEquals(false, t.refresh(7, 3, 11 * SECOND), "refresh does not revive");
        // Lookups said "missing" (caches may have flooded): coming back must look like a change.
        assertEquals(Learned.ADDED, t.learn(7, 3, 11 * SECOND));
        assertNotEquals(generation, t.generation());
        assertEquals(3, t.lookup(7, 11 * SECOND));
    }

    @Test
    void aFullTableRefusesNewKeysUntilAgeingMakesRoom() {
        LearningTable t = new LearningTable(2, 10 * SECOND, 0);
        assertEquals(Learned.ADDED, t.learn(1, 1, 0));
        assertEquals(Learned.ADDED, t.learn(2, 1, 0));
        assertEquals(Learned.FULL, t.learn(3, 1, SECOND));
        assertEquals(Learned.FULL, t.learn(3, 1, 2 * SECOND));
        assertEquals(2, t.refusedFull());
        assertEquals(LearningTable.MISSING, t.lookup(3, 2 * SECOND));
        assertEquals(Learned.REFRESHED, t.learn(1, 1, 2 * SECOND), "known keys still refresh when full");
        // At 11 s key 2 has aged (seen at 0); key 1 was refreshed at 2 s. The due sweep reclaims key 2.
        assertEquals(Learned.ADDED, t.learn(3, 1, 11 * SECOND));
        assertEquals(1, t.lookup(1, 11 * SECOND));
        assertEquals(LearningTable.MISSING, t.lookup(2, 11 * SECOND));
    }

    @Test
    void staticEntriesNeverAgeNorFlushNorGiveWayToLearning() {
        LearningTable t = new LearningTable(8, SECOND, 0);
        t.putStatic(9, 100);
        t.learn(10, 5, 0);
        assertEquals(Learned.STATIC_KEPT, t.learn(9, 101, 0));
        assertEquals(100, t.lookup(9, 1000 * SECOND));
        assertEquals(1, t.flush());
        assertEquals(100, t.lookup(9, 0));
        assertEquals(LearningTable.MISSING, t.lookup(10, 0));
        assertEquals(0, t.expire(1000 * SECOND));
    }

    @Test
    void removeValueForgetsOnePortsEntries() {
        LearningTable t = new LearningTable(64, SECOND, 0);
        for (long k = 1; k <= 40; k++) {
            t.learn(k, k % 3, 0);
        }
        assertEquals(13, t.removeValue(0));
        for (long k = 1; k <= 40; k++) {
            assertEquals(k % 3 == 0 ? LearningTable.MISSING : k % 3, t.lookup(k, 0), "key " + k);
        }
    }

    @Test
    void behavesLikeAMapThroughRandomLearningAndRemoval() {
        // Many keys colliding in a small table exercise the probe runs and the backward-shift deletion.
        Random random = new Random(42);
        LearningTable t = new LearningTable(64, Long.MAX_VALUE / 4, 0);
        Map<Long, Long> model = new HashMap<>();
        for (int step = 0; step < 50_000; step++) {
            long key = 1 + random.nextInt(100);
            long value = random.nextInt(4);
            if (random.nextInt(10) == 0) {
                t.removeValue(value);
                model.values().removeIf(v -> v == value);
            } else {
                Learned l = t.learn(key, value, 0);
                if (l != Learned.FULL) {
                    model.put(key, value);
                } else {
                    assertEquals(64, model.size(), "refused only when full");
                }
            }
            if (step % 97 == 0) {
                for (long k = 1; k <= 100; k++) {
                    assertEquals(model.getOrDefault(k, LearningTable.MISSING), t.lookup(k, 0), "key " + k + " at step " + step);
                }
                assertEquals(model.size(), t.size());
            }
        }
    }

    @Test
    void severalThreadsLearnAndLookUpConcurrently() throws Exception {
        LearningTable t = new LearningTable(4096, Long.MAX_VALUE / 4, 0);
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int id = w;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int round = 0; round < 200; round++) {
                        for (long k = 1; k <= 1000; k++) {
                            long key = k * threads + id;
                            t.learn(key, id, 0);
                            long seen = t.lookup(key, 0);
                            if (seen != id) {
                                throw new AssertionError("key " + key + " read " + seen + " after learning " + id);
                            }
                        }
                        if (round % 50 == 0) {
                            t.removeValue(id);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            workers.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : workers) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(threads * 1000, t.size());
        for (long key = threads; key < threads * 1001L; key++) {
            assertEquals(key % threads, t.lookup(key, 0));
        }
    }

    @Test
    void rejectsReservedKeysAndBadLimits() {
        LearningTable t = new LearningTable(4, SECOND, 0);
        assertThrows(IllegalArgumentException.class, () -> t.learn(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> t.learn(1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearningTable(0, SECOND, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearningTable(4, 0, 0));
        assertTrue(t.size() == 0);
    }

    @Test
    void aSteadyRefreshStoresOnlyOnceTheStampIsStaleButAMoveIsImmediate() {
        // Ageing 32 s: the slack is min(1 s, 2 s) = 1 s.
        LearningTable t = new LearningTable(16, 32 * SECOND, 0);
        assertEquals(Learned.ADDED, t.learn(5, 1, 0));
        long generation = t.generation();
        assertEquals(Learned.REFRESHED, t.learn(5, 1, SECOND / 2), "within the slack: a read, still a refresh");
        assertEquals(0, lastSeen(t, 5, SECOND), "the stamp was not stored");
        assertEquals(Learned.REFRESHED, t.learn(5, 1, 3 * SECOND / 2));
        assertEquals(3 * SECOND / 2, lastSeen(t, 5, 2 * SECOND), "stale beyond the slack: stored");
        assertEquals(generation, t.generation());
        // A move is never held back by the slack: the first frame from the new port re-learns it.
        assertEquals(Learned.MOVED, t.learn(5, 2, 3 * SECOND / 2 + 1));
        assertEquals(2, t.lookup(5, 3 * SECOND / 2 + 1));
        assertNotEquals(generation, t.generation());
    }

    private static long lastSeen(LearningTable t, long key, long now) {
        long[] seen = {-1};
        t.forEach(now, (k, value, lastSeenNanos, isStatic) -> {
            if (k == key) {
                seen[0] = lastSeenNanos;
            }
        });
        return seen[0];
    }
}
