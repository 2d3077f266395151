package io.virtio4j.vhostnet.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.vhostnet.testing.VhostHeaderProbe;

/** Every struct's size and every field's offset: our layouts, our offset constants and the C compiler agree. */
class VhostStructsTest {
    /** C struct name, our layout, and per field our offset constant. */
    private record Struct(String cName, StructLayout layout, Map<String, Long> offsets) {
    }

    private static Struct[] structs() {
        return new Struct[] {
            new Struct("vhost_vring_state", VhostStructs.VRING_STATE,
                    Map.of("index", VhostStructs.VRING_STATE_INDEX, "num", VhostStructs.VRING_STATE_NUM)),
            new Struct("vhost_vring_file", VhostStructs.VRING_FILE,
                    Map.of("index", VhostStructs.VRING_FILE_INDEX, "fd", VhostStructs.VRING_FILE_FD)),
            new Struct("vhost_vring_addr", VhostStructs.VRING_ADDR, Map.of(
                    "index", VhostStructs.VRING_ADDR_INDEX, "flags", VhostStructs.VRING_ADDR_FLAGS,
                    "desc_user_addr", VhostStructs.VRING_ADDR_DESC, "used_user_addr", VhostStructs.VRING_ADDR_USED,
                    "avail_user_addr", VhostStructs.VRING_ADDR_AVAIL, "log_guest_addr", VhostStructs.VRING_ADDR_LOG)),
            new Struct("vhost_memory_region", VhostStructs.MEMORY_REGION, Map.of(
                    "guest_phys_addr", VhostStructs.MEMORY_REGION_GUEST_PHYS_ADDR,
                    "memory_size", VhostStructs.MEMORY_REGION_MEMORY_SIZE,
                    "userspace_addr", VhostStructs.MEMORY_REGION_USERSPACE_ADDR,
                    "flags_padding", VhostStructs.MEMORY_REGION_FLAGS_PADDING)),
            new Struct("vhost_memory", VhostStructs.MEMORY, Map.of(
                    "nregions", VhostStructs.MEMORY_NREGIONS, "padding", VhostStructs.MEMORY_PADDING)),
        };
    }

    @NeedsKernel
    @NeedsPeer
    @Test
    void layoutsMatchTheCompilersViewOfTheHeader(@TempDir Path dir) throws Exception {
        Map<String, String> expressions = new LinkedHashMap<>();
        for (Struct s : structs()) {
            expressions.put("sizeof." + s.cName(), "sizeof(struct " + s.cName() + ")");
            s.offsets().keySet().forEach(f -> expressions.put(s.cName() + "." + f, "offsetof(struct " + s.cName() + ", " + f + ")"));
        }
        expressions.put("vhost_memory.regions", "offsetof(struct vhost_memory, regions)");
        expressions.put("sizeof.__u64", "sizeof(__u64)");
        Map<String, Long> c = VhostHeaderProbe.evaluate(dir, expressions);

        for (Struct s : structs()) {
            assertEquals(c.get("sizeof." + s.cName()), s.layout().byteSize(), "sizeof " + s.cName());
            s.offsets().forEach((field, ours) -> {
                long inLayout = s.layout().byteOffset(MemoryLayout.PathElement.groupElement(field));
                assertEquals(c.get(s.cName() + "." + field), inLayout, s.cName() + "." + field + " in the layout");
                assertEquals(inLayout, ours, s.cName() + "." + field + " constant");
            });
        }
        assertEquals(c.get("vhost_memory.regions"), VhostStructs.MEMORY_REGIONS, "vhost_memory.regions");
        assertEquals(c.get("sizeof.__u64"), VhostStructs.FEATURES.byteSize(), "__u64");
    }

    @Test
    void theFlexibleRegionArrayFollowsTheHead() {
        assertEquals(8, VhostStructs.memoryTableSize(0));
        assertEquals(8 + 3 * 32, VhostStructs.memoryTableSize(3));
        assertEquals(8 + 2 * 32, VhostStructs.memoryRegionOffset(2));
    }
}
