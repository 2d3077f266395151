package io.virtio4j.vhostuser;

import java.time.Duration;
import io.virtio4j.testing.OpenFds;
import io.virtio4j.vhostuser.protocol.Request;

import org.junit.jupiter.api.Test;

import static io.virtio4j.vhostuser.BackendSessionTest.GPA;
import static io.virtio4j.vhostuser.BackendSessionTest.MEM_SIZE;
import static io.virtio4j.vhostuser.BackendSessionTest.UVA;
import static io.virtio4j.vhostuser.BackendSessionTest.oneRegion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * What one front-end can make the back-end map is capped, per connection and over all connections
 * sharing a {@link GuestMemoryBudget}: huge sparse memfds (no memory, all address space) beyond the
 * cap are refused with an error reply, nothing mapped, their fds closed, counted. Issue 13 item 4.
 */
class GuestMemoryLimitTest {
    private static final long GIB = 1L << 30;
    /** Far apart, so regions of many GiB never overlap. */
    private static final long STRIDE = 1L << 40;

    /** Sends one region of {@code size} bytes at slot {@code i} from a sparse memfd of that size; returns the ack. */
    private static long add(Frontend f, int i, long size) {
        int mem = TestFiles.memfd(size);
        try {
            return f.call(Request.ADD_MEM_REG, new long[] {0, GPA + STRIDE * i, size, UVA + STRIDE * i, 0}, mem);
        } finally {
            TestFiles.close(mem);
        }
    }

    private static long table(Frontend f, long size) {
        int mem = TestFiles.memfd(size);
        try {
            return f.call(Request.SET_MEM_TABLE, oneRegion(GPA, size, UVA, 0), mem);
        } finally {
            TestFiles.close(mem);
        }
    }

    @Test
    void aMemoryTableBeyondTheDefaultLimitIsRefusedWithNothingMapped() throws Exception {
        assertEquals(64 * GIB, BackendConfig.net(1).maxGuestMemory());
        try (Frontend f = new Frontend()) {
            f.negotiate();
            OpenFds.Snapshot fds = OpenFds.snapshot();
            assertEquals(1, table(f, 127L << 40), "a 127 TiB table was accepted");
            assertEquals(1, f.counters.refusedMemory());
            assertEquals(1, f.counters.rejected());
            assertEquals(0, TestFiles.testMappings());
            // The refused region's fd is closed by the session thread, possibly just after its reply.
            fds.assertNoneOpenedSince("the refused region's fd", Duration.ofSeconds(5));
            assertNull(f.session.memory());
            // A normal table still goes in.
            assertEquals(0, table(f, MEM_SIZE));
            assertEquals(1, TestFiles.testMappings());
        }
    }

    @Test
    void regionsAddedOneByOneStopAtTheConnectionsLimit() throws Exception {
        try (Frontend f = new Frontend(BackendConfig.net(1).withMaxGuestMemory(64 * GIB), new VhostUserCounters())) {
            f.negotiate();
            for (int i = 0; i < 4; i++) {
                assertEquals(0, add(f, i, 16 * GIB), "region " + i);
            }
            OpenFds.Snapshot fds = OpenFds.snapshot();
            assertEquals(1, add(f, 4, 4096), "one page past the limit was accepted");
            assertEquals(1, f.counters.refusedMemory());
            assertEquals(4, TestFiles.testMappings());
            // The refused region's fd is closed by the session thread, possibly just after its reply.
            fds.assertNoneOpenedSince("the refused region's fd", Duration.ofSeconds(5));
            assertEquals(4, f.session.memory().regionCount());
            // Removing a region makes room again.
            assertEquals(0, f.call(Request.REM_MEM_REG, new long[] {0, GPA, 16 * GIB, UVA, 0}));
            assertEquals(0, add(f, 4, 16 * GIB));
        }
        assertEquals(0, TestFiles.testMappings());
    }

    @Test
    void theSharedBudgetCapsAllConnectionsTogether() throws Exception {
        GuestMemoryBudget budget = new GuestMemoryBudget(96 * GIB);
        BackendConfig config = BackendConfig.net(1);
        try (Frontend a = new Frontend(config, new VhostUserCounters(), budget)) {
            a.negotiate();
            assertEquals(0, table(a, 64 * GIB));
            assertEquals(64 * GIB, budget.reserved());
            try (Frontend b = new Frontend(config, new VhostUserCounters(), budget)) {
                b.negotiate();
                assertEquals(1, table(b, 64 * GIB), "the second connection went past the shared budget");
                assertEquals(1, b.counters.refusedMemory());
                assertEquals(0, a.counters.refusedMemory());
                assertEquals(64 * GIB, budget.reserved(), "a refused table kept its reservation");
                assertEquals(0, table(b, 32 * GIB));
                assertEquals(96 * GIB, budget.reserved());
                // A replacing table counts once, not on top of the one it replaces.
                assertEquals(0, table(a, 48 * GIB), "a smaller table replacing a larger one was refused");
                assertEquals(80 * GIB, budget.reserved());
            }
            assertEquals(48 * GIB, budget.reserved(), "a closed connection kept its reservation");
        }
        assertEquals(0, budget.reserved());
        assertEquals(0, TestFiles.testMappings());
    }
}
