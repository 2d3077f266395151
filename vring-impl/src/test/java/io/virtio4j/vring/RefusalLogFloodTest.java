package io.virtio4j.vring;

import io.virtio4j.api.log.RateLimitedLog;
import io.virtio4j.api.log.RateLimitedLogs;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.memory.GuestRegion;
import io.virtio4j.api.queue.QueueLayout;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.virtio4j.testing.Slow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A driver that resets or reconnects in a loop makes a fresh queue each time and refuses the same
 * way in each: the log gets a line per interval for the whole lot, not one per queue, and the
 * lines' "similar suppressed" counts add up to every refusal. Each queue still counts its own.
 * Captures what slf4j-simple (the test provider) writes to System.err.
 */
class RefusalLogFloodTest {
    private static final int SIZE = 8;
    private static final int QUEUES = 2_000;
    private static final long INTERVAL = TimeUnit.SECONDS.toNanos(1);
    private static final Pattern SUPPRESSED = Pattern.compile("(\\d+) similar suppressed");

    private final GuestMemory memory = GuestMemory.of(GuestRegion.of(0, Arena.ofAuto().allocate(0x10000, 4096)));
    private final QueueLayout layout = QueueLayout.contiguous(SIZE, 0x1000, false, false);
    private final SplitRing raw = SplitRing.map(memory, layout);

    /**
     * Both kinds in one test so the wait that proves the next interval logs again (with the
     * flood's count) is paid once.
     */
    @Slow
    @Test
    void freshQueuesRefusingTheSameWayShareTheirLinesAndTheirCount() throws InterruptedException {
        Flood refused = new Flood(ChainError.HEAD_OUT_OF_RANGE, "refused descriptor chain: HEAD_OUT_OF_RANGE", queue -> {
            raw.availEntry(0, SIZE); // a head beyond the table
            raw.availIdxRelease(1);
            assertEquals(0, queue.pop(new DescriptorChain[] {queue.newChain()}, 1));
        });
        Flood runaway = new Flood(ChainError.AVAIL_INDEX_RUNAWAY, "queue broken, device needs reset", queue -> {
            raw.availIdxRelease(SIZE + 1);
            assertEquals(0, queue.pop(new DescriptorChain[] {queue.newChain()}, 1));
            assertTrue(queue.isBroken());
        });
        long start = System.nanoTime();
        String burst = captureErr(() -> {
            refused.queues(QUEUES);
            runaway.queues(QUEUES);
        });
        long elapsed = System.nanoTime() - start;
        long allowedLines = 1 + elapsed / INTERVAL; // one at once, then one per whole interval
        for (Flood flood : List.of(refused, runaway)) {
            int lines = flood.lines(burst).size();
            assertTrue(lines <= allowedLines, lines + " lines for " + QUEUES + " queues in " + elapsed + " ns: " + flood.kind);
        }

        TimeUnit.NANOSECONDS.sleep(INTERVAL);
        String next = captureErr(() -> {
            refused.queues(1);
            runaway.queues(1);
        });
        for (Flood flood : List.of(refused, runaway)) {
            assertEquals(1, flood.lines(next).size(), "the next interval logs again: " + flood.kind);
            assertEquals(0, flood.site.suppressed(), "that line took the whole count: " + flood.kind);
            List<String> all = flood.lines(burst + next);
            long reported = 0;
            for (String l : all) {
                Matcher m = SUPPRESSED.matcher(l);
                assertTrue(m.find(), l);
                reported += Long.parseLong(m.group(1));
            }
            // Each refusal is a line or counted in one (less what was pending from earlier tests).
            assertEquals(QUEUES + 1 - all.size(), reported - flood.pendingBefore, flood.kind.name());
        }
    }

    /**
     * A device that outlives its drivers (a switch port) passes limiters of its own: a hostile
     * guest flooding refusals on one port leaves the next refusal on another port its own line,
     * named after that port's queue, while its own fresh queues still share one line a second.
     */
    @Test
    void aPortsOwnLimitersKeepItsLinesWhenAnotherPortFloods() {
        RateLimitedLogs<ChainError> hostilePort = DeviceQueue.refusalLogs();
        RateLimitedLogs<ChainError> bystanderPort = DeviceQueue.refusalLogs();
        String flood = captureErr(() -> {
            for (int i = 0; i < 100; i++) {
                refuseOneChain(new DeviceQueue("hostile:vring" + i, memory, layout, 0, 0, hostilePort));
            }
        });
        assertEquals(1, flood.lines().filter(l -> l.contains("hostile:vring")).count(),
                "a reconnecting hostile guest's fresh queues share its port's line");
        String bystander = captureErr(() -> refuseOneChain(new DeviceQueue("bystander:vring1", memory, layout, 0, 0,
                bystanderPort)));
        assertTrue(bystander.contains("bystander:vring1: refused descriptor chain: HEAD_OUT_OF_RANGE"),
                "the other port's refusal got its own line: " + bystander);
    }

    private void refuseOneChain(DeviceQueue queue) {
        raw.availEntry(0, SIZE); // a head beyond the table
        raw.availIdxRelease(1);
        assertEquals(0, queue.pop(new DescriptorChain[] {queue.newChain()}, 1));
    }

    private final class Flood {
        final ChainError kind;
        final String text;
        final QueueAction action;
        final RateLimitedLog site;
        final long pendingBefore;

        Flood(ChainError kind, String text, QueueAction action) {
            this.kind = kind;
            this.text = text;
            this.action = action;
            this.site = DeviceQueue.REFUSAL_LOG.of(kind);
            this.pendingBefore = site.suppressed();
        }

        void queues(int count) {
            for (int i = 0; i < count; i++) {
                DeviceQueue queue = new DeviceQueue("flood" + i, memory, layout);
                action.run(queue);
                assertEquals(1, queue.counters().errors(kind), "each queue counts its own refusal");
            }
        }

        List<String> lines(String captured) {
            return captured.lines().filter(l -> l.contains(text)).toList();
        }
    }

    private static String captureErr(Runnable work) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            work.run();
        } finally {
            System.setErr(err);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private interface QueueAction {
        void run(DeviceQueue queue);
    }
}
