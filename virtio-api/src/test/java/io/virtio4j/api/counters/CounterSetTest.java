package io.virtio4j.api.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

class CounterSetTest {
    enum Sample implements CounterDescriptor {
        FRAMES, BYTES, DROPS;

        @Override
        public int typeId() {
            return 0x7001;
        }
    }

    private static List<String> labels(CountersManager manager) {
        List<String> out = new ArrayList<>();
        manager.forEach((value, id, label) -> out.add(label + "=" + value));
        return out;
    }

    @Test
    void countersAreLabelledTypedAndReadThroughTheManager() {
        CountersManager manager = CounterSet.privateManager(8);
        try (CounterSet<Sample> set = CounterSet.allocate(manager, "port:vm1:", Sample.class)) {
            set.incrementRelease(Sample.FRAMES);
            set.addRelease(Sample.BYTES, 60);
            set.increment(Sample.DROPS);
            set.add(Sample.DROPS, 2);
            assertEquals(List.of("port:vm1:frames=1", "port:vm1:bytes=60", "port:vm1:drops=3"), labels(manager));
            assertEquals(0x7001, manager.getCounterTypeId(set.counter(Sample.BYTES).id()));
            assertEquals(60, set.get(Sample.BYTES));
            assertEquals(64, set.sum());
        }
        assertEquals(List.of(), labels(manager), "closing the set frees its counters");
    }

    @Test
    void aFullManagerLeavesNothingAllocated() {
        CountersManager manager = CounterSet.privateManager(4);
        try (CounterSet<Sample> first = CounterSet.allocate(manager, "a:", Sample.class)) {
            assertThrows(IllegalStateException.class, () -> CounterSet.allocate(manager, "b:", Sample.class));
            assertEquals(3, labels(manager).size(), "only the first set's counters remain");
            first.incrementRelease(Sample.FRAMES);
            assertEquals(1, first.get(Sample.FRAMES));
        }
    }

    @Test
    void aStandaloneSetHasRoomForEveryDescriptor() {
        try (CounterSet<Sample> set = CounterSet.standalone(Sample.class)) {
            for (Sample s : Sample.values()) {
                set.addRelease(s, s.ordinal() + 1);
            }
            assertEquals(6, set.sum());
            assertEquals("drops", set.counter(Sample.DROPS).label());
        }
    }
}
