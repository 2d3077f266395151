package io.virtio4j.vhostnet.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtio4j.testing.NeedsKernel;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.vhostnet.testing.VhostHeaderProbe;

/** Every request number against linux/vhost.h: as the compiler evaluates it, and as the header defines it by hand. */
class VhostRequestsTest {
    /** Our value of each request, keyed by the header's macro name. */
    private static Map<String, Long> ours() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("VHOST_GET_FEATURES", VhostRequests.GET_FEATURES);
        m.put("VHOST_SET_FEATURES", VhostRequests.SET_FEATURES);
        m.put("VHOST_SET_OWNER", VhostRequests.SET_OWNER);
        m.put("VHOST_RESET_OWNER", VhostRequests.RESET_OWNER);
        m.put("VHOST_SET_MEM_TABLE", VhostRequests.SET_MEM_TABLE);
        m.put("VHOST_SET_VRING_NUM", VhostRequests.SET_VRING_NUM);
        m.put("VHOST_SET_VRING_ADDR", VhostRequests.SET_VRING_ADDR);
        m.put("VHOST_SET_VRING_BASE", VhostRequests.SET_VRING_BASE);
        m.put("VHOST_GET_VRING_BASE", VhostRequests.GET_VRING_BASE);
        m.put("VHOST_SET_VRING_KICK", VhostRequests.SET_VRING_KICK);
        m.put("VHOST_SET_VRING_CALL", VhostRequests.SET_VRING_CALL);
        m.put("VHOST_SET_VRING_ERR", VhostRequests.SET_VRING_ERR);
        m.put("VHOST_SET_BACKEND_FEATURES", VhostRequests.SET_BACKEND_FEATURES);
        m.put("VHOST_GET_BACKEND_FEATURES", VhostRequests.GET_BACKEND_FEATURES);
        m.put("VHOST_NET_SET_BACKEND", VhostRequests.NET_SET_BACKEND);
        m.put("VHOST_VIRTIO", (long) VhostRequests.VHOST_VIRTIO);
        m.put("VHOST_F_LOG_ALL", (long) VhostRequests.F_LOG_ALL);
        m.put("VHOST_NET_F_VIRTIO_NET_HDR", (long) VhostRequests.NET_F_VIRTIO_NET_HDR);
        m.put("VHOST_BACKEND_F_IOTLB_MSG_V2", (long) VhostRequests.BACKEND_F_IOTLB_MSG_V2);
        m.put("VHOST_FILE_UNBIND", (long) VhostStructs.FILE_UNBIND);
        return m;
    }

    @NeedsKernel
    @NeedsPeer
    @Test
    void everyRequestEqualsWhatTheCompilerMakesOfTheHeader(@TempDir Path dir) throws Exception {
        Map<String, String> expressions = new LinkedHashMap<>();
        ours().keySet().forEach(name -> expressions.put(name, name));
        Map<String, Long> header = VhostHeaderProbe.evaluate(dir, expressions);
        ours().forEach((name, value) -> assertEquals(header.get(name) & 0xffffffffL, value & 0xffffffffL, name));
    }

    /**
     * The same without a compiler: the values the _IO* rules give for linux/vhost.h's definitions
     * (dir << 30 | size << 16 | 0xAF << 8 | nr; W = 1, R = 2; size 8 for __u64, vhost_vring_state,
     * vhost_vring_file and the 8-byte head of vhost_memory, 40 for vhost_vring_addr), as strace
     * prints them for QEMU's vhost-net setup.
     */
    @Test
    void everyRequestEqualsTheHeadersDefinitionWorkedByHand() {
        Map<String, Long> cited = new LinkedHashMap<>();
        cited.put("VHOST_GET_FEATURES", 0x8008AF00L);
        cited.put("VHOST_SET_FEATURES", 0x4008AF00L);
        cited.put("VHOST_SET_OWNER", 0x0000AF01L);
        cited.put("VHOST_RESET_OWNER", 0x0000AF02L);
        cited.put("VHOST_SET_MEM_TABLE", 0x4008AF03L);
        cited.put("VHOST_SET_VRING_NUM", 0x4008AF10L);
        cited.put("VHOST_SET_VRING_ADDR", 0x4028AF11L);
        cited.put("VHOST_SET_VRING_BASE", 0x4008AF12L);
        cited.put("VHOST_GET_VRING_BASE", 0xC008AF12L);
        cited.put("VHOST_SET_VRING_KICK", 0x4008AF20L);
        cited.put("VHOST_SET_VRING_CALL", 0x4008AF21L);
        cited.put("VHOST_SET_VRING_ERR", 0x4008AF22L);
        cited.put("VHOST_SET_BACKEND_FEATURES", 0x4008AF25L);
        cited.put("VHOST_GET_BACKEND_FEATURES", 0x8008AF26L);
        cited.put("VHOST_NET_SET_BACKEND", 0x4008AF30L);
        Map<String, Long> ours = ours();
        cited.forEach((name, value) -> assertEquals(value, ours.get(name), name));
    }
}
