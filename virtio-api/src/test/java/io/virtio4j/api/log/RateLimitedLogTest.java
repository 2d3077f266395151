package io.virtio4j.api.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

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
}
