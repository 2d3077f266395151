package io.virtio4j.ovs.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.HashMap;
import java.util.Map;

import io.virtio4j.api.counters.CounterTypes;
import io.virtio4j.ovs.pipeline.DropReason;

import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/**
 * The drop counters keep the names operators know ({@code drop:<reason>} in lower case, for every
 * reason but NONE), each with the type of its role, and count per reason.
 */
class DropCountersTest {
    @Test
    void everyReasonButNoneHasACounterOfItsNameAndType() {
        CountersManager manager = io.virtio4j.api.counters.CounterSet.privateManager(2 * DropReason.values().length);
        try (DropCounters sw = new DropCounters(manager, "drop:", DropCounters.SWITCH_TYPE_ID);
             DropCounters port = new DropCounters(manager, "port:p:drop_", CounterTypes.SWITCH_PORT)) {
            Map<String, Integer> typeOf = new HashMap<>();
            manager.forEach((id, type, key, label) -> typeOf.put(label, type));
            for (DropReason r : DropReason.values()) {
                String name = r.name().toLowerCase(java.util.Locale.ROOT);
                if (r == DropReason.NONE) {
                    assertFalse(typeOf.containsKey("drop:" + name));
                    continue;
                }
                assertEquals(CounterTypes.SWITCH_DROPS, typeOf.get("drop:" + name), r.toString());
                assertEquals(CounterTypes.SWITCH_PORT, typeOf.get("port:p:drop_" + name), r.toString());
            }
            assertEquals(2 * (DropReason.values().length - 1), typeOf.size());

            sw.drop(DropReason.PORT_FULL);
            sw.drop(DropReason.PORT_FULL, 4);
            sw.drop(DropReason.NONE);
            port.drop(DropReason.MTU_EXCEEDED, 2);
            assertEquals(5, sw.get(DropReason.PORT_FULL));
            assertEquals(0, sw.get(DropReason.NONE));
            assertEquals(0, sw.get(DropReason.MTU_EXCEEDED));
            assertEquals(2, port.snapshot().get(DropReason.MTU_EXCEEDED));
            assertFalse(port.snapshot().containsKey(DropReason.NONE));
        }
        assertEquals(0, countAllocated(manager), "close frees every counter");
    }

    private static int countAllocated(CountersManager manager) {
        int[] n = {0};
        manager.forEach((id, type, key, label) -> n[0]++);
        return n[0];
    }
}
