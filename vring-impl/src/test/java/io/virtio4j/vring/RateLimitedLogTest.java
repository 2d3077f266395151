package io.virtio4j.vring;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

class RateLimitedLogTest {
    @Test
    void logsOncePerIntervalAndCountsTheRest() throws InterruptedException {
        Logger logger = mock(Logger.class);
        RateLimitedLog log = new RateLimitedLog(logger, 50_000_000L);
        assertTrue(log.warn("q", ChainError.HEAD_OUT_OF_RANGE, 9));
        for (int i = 0; i < 1000; i++) {
            assertFalse(log.warn("q", ChainError.HEAD_OUT_OF_RANGE, 9));
        }
        assertEquals(1000, log.suppressed());
        Thread.sleep(60);
        assertTrue(log.warn("q", ChainError.NEXT_OUT_OF_RANGE, 3));
        assertEquals(0, log.suppressed());
        verify(logger, times(2)).warn(anyString(), any(Object[].class));
    }
}
