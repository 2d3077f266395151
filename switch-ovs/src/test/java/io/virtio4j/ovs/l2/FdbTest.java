package io.virtio4j.ovs.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtio4j.ovs.model.FdbSpec;

class FdbTest {
    private static final long M = 0x5254_0012_3456L;

    @Test
    void theSameMacInTwoVlansIsTwoEntries() {
        Fdb fdb = new Fdb(FdbSpec.DEFAULT, 0);
        fdb.learn(10, M, 1, 0);
        fdb.learn(20, M, 7, 0);
        assertEquals(1, fdb.lookup(10, M, 0));
        assertEquals(7, fdb.lookup(20, M, 0));
        assertEquals(Fdb.UNKNOWN, fdb.lookup(30, M, 0));
    }

    @Test
    void snapshotListsVlanMacPortAndAge() {
        Fdb fdb = new Fdb(new FdbSpec(16, Duration.ofSeconds(300)), 0);
        fdb.learn(20, M, 3, 1_000_000_000L);
        fdb.learn(10, M + 1, 2, 2_000_000_000L);
        List<FdbEntry> entries = fdb.snapshot(5_000_000_000L);
        assertEquals(List.of(new FdbEntry(10, M + 1, 2, Duration.ofSeconds(3)), new FdbEntry(20, M, 3, Duration.ofSeconds(4))),
                entries);
        assertEquals(1, fdb.flushPort(3));
        assertEquals(1, fdb.snapshot(5_000_000_000L).size());
        assertEquals(1, fdb.flush());
        assertEquals(0, fdb.snapshot(5_000_000_000L).size());
    }

    @Test
    void anEntryRefreshedAfterTheSnapshotsClockIsZeroSecondsOldNotNegative() {
        Fdb fdb = new Fdb(FdbSpec.DEFAULT, 0);
        fdb.learn(10, M, 1, 2_000_000_000L);
        assertEquals(Duration.ZERO, fdb.snapshot(1_999_000_000L).get(0).age());
    }
}
