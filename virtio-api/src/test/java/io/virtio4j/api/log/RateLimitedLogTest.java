package io.virtio4j.api.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class RateLimitedLogTest {
    @Test
    void logsOncePerIntervalAndReportsHowManyWereSuppressed() {
        Logger logger = mock(Logger.class);
        long[] now = {0};
        RateLimitedLog log = new RateLimitedLog(logger, 50_000_000L, () -> now[0]);
        assertTrue(log.warn("bad {}", "a"));
        for (int i = 0; i < 1000; i++) {
            assertFalse(log.warn("bad {}", "a"));
        }
        assertEquals(1000, log.suppressed());
        now[0] += 50_000_000L;
        assertTrue(log.warn("bad {} {}", "b", 3));
        assertEquals(0, log.suppressed());
        verify(logger).warn(eq("bad {} ({} similar suppressed)"), eq("a"), eq(0L));
        verify(logger).warn(eq("bad {} {} ({} similar suppressed)"), any(Object[].class));
    }

    @Test
    void allowAndTakeSuppressedServeTheAllocationFreePath() {
        long[] now = {1_000};
        RateLimitedLog log = new RateLimitedLog(mock(Logger.class), 20_000_000L, () -> now[0]);
        assertTrue(log.allow());
        assertEquals(0, log.takeSuppressed());
        now[0] += 19_999_999L;
        assertFalse(log.allow());
        assertFalse(log.allow());
        now[0] += 1;
        assertTrue(log.allow());
        assertEquals(2, log.takeSuppressed());
    }

    /** Notes a normal start writes several of at once (one per ring) pass; a loop of them does not. */
    @Test
    void aBurstPassesWholeThenLinesComeOncePerSpacing() {
        long[] now = {5_000};
        RateLimitedLog log = new RateLimitedLog(mock(Logger.class), 400, 4, () -> now[0]);
        for (int i = 0; i < 4; i++) {
            assertTrue(log.allow(), "line " + i + " of the burst");
            assertEquals(0, log.takeSuppressed());
        }
        for (int i = 0; i < 100; i++) {
            assertFalse(log.allow());
        }
        now[0] += 99;
        assertFalse(log.allow(), "the burst refills one line per 100 ns");
        now[0] += 1;
        assertTrue(log.allow());
        assertEquals(101, log.takeSuppressed());
        assertFalse(log.allow());
        // Quiet for a whole interval: the full burst is back, no more.
        now[0] += 10_000;
        for (int i = 0; i < 4; i++) {
            assertTrue(log.allow(), "line " + i + " of the second burst");
        }
        assertFalse(log.allow());
    }

    /** What the fuzzer and a reconnecting guest do: many short-lived instances, one log site. */
    @Test
    void aBurstFromManyInstancesSharingASiteLogsOnceWithAnHonestCount() {
        Logger logger = mock(Logger.class);
        long[] now = {0};
        RateLimitedLog site = new RateLimitedLog(logger, 1_000_000_000L, () -> now[0]);
        int logged = 0;
        for (int instance = 0; instance < 10_000; instance++) {
            now[0] += 10_000; // 10,000 instances in 0.1 s
            if (site.warn("q{}: refused", instance)) {
                logged++;
            }
        }
        assertEquals(1, logged);
        assertEquals(9_999, site.suppressed());
        verify(logger).warn(eq("q{}: refused ({} similar suppressed)"), eq(0), eq(0L));

        now[0] += 1_000_000_000L;
        assertTrue(site.warn("q{}: refused", 10_000), "the next interval logs again");
        verify(logger).warn(eq("q{}: refused ({} similar suppressed)"), eq(10_000), eq(9_999L));
        assertEquals(0, site.suppressed());
        verify(logger, times(2)).warn(anyString(), any(Object.class), any(Object.class));
    }

    @Test
    void concurrentCallersGetOneLinePerIntervalAndLoseNoCount() throws InterruptedException {
        AtomicLong now = new AtomicLong(5);
        RateLimitedLog site = new RateLimitedLog(mock(Logger.class), 1_000L, now::get);
        int threads = 8;
        int calls = 20_000;
        LongAdder allowed = new LongAdder();
        LongAdder reported = new LongAdder();
        for (int interval = 0; interval < 3; interval++) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < calls; i++) {
                        if (site.allow()) {
                            allowed.increment();
                            reported.add(site.takeSuppressed());
                        }
                    }
                });
                w.start();
                workers.add(w);
            }
            start.countDown();
            for (Thread w : workers) {
                w.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertEquals(interval + 1, allowed.sum(), "exactly one caller wins each interval");
            now.addAndGet(1_000);
        }
        long total = 3L * threads * calls;
        assertEquals(total - 3, reported.sum() + site.suppressed(), "every refused call is reported or pending");
    }

    @Test
    void eachKindHasItsOwnLimiter() {
        RateLimitedLogs<Kind> logs = new RateLimitedLogs<>(mock(Logger.class), 1_000_000_000L, Kind.class);
        assertTrue(logs.of(Kind.A).allow());
        assertFalse(logs.of(Kind.A).allow());
        assertTrue(logs.of(Kind.B).allow(), "a flood of A does not hide the first B");
        assertEquals(1, logs.of(Kind.A).suppressed());
        assertEquals(0, logs.of(Kind.B).suppressed());
    }

    private enum Kind { A, B }
}
