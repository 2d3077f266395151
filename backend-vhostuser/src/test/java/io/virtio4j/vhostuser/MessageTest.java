package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.Request;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageTest {
    @Test
    void headerAndPayloadSitAtTheSpecOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            Message m = new Message(arena);
            m.header(Request.SET_VRING_ADDR.id(), Message.VERSION | Message.NEED_REPLY, Message.VRING_ADDR_SIZE)
                    .u32(Message.ADDR_INDEX, 3).u64(Message.ADDR_DESC, 0x1000).u64(Message.ADDR_USED, 0x2000)
                    .u64(Message.ADDR_AVAIL, 0x3000);
            var b = m.buffer();
            assertEquals(9, b.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
            assertEquals(0x9, b.get(ValueLayout.JAVA_INT_UNALIGNED, 4));
            assertEquals(40, b.get(ValueLayout.JAVA_INT_UNALIGNED, 8));
            assertEquals(3, b.get(ValueLayout.JAVA_INT_UNALIGNED, 12));
            assertEquals(0x1000, b.get(ValueLayout.JAVA_LONG_UNALIGNED, 12 + 8));
            assertEquals(0x2000, b.get(ValueLayout.JAVA_LONG_UNALIGNED, 12 + 16));
            assertEquals(0x3000, b.get(ValueLayout.JAVA_LONG_UNALIGNED, 12 + 24));
            assertEquals(52, m.totalLength());
            assertTrue(m.needsReply());
        }
    }

    @Test
    void payloadReadsPastTheDeclaredSizeAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            Message m = new Message(arena);
            m.header(Request.SET_FEATURES.id(), Message.VERSION, 4);
            assertThrows(VhostUserException.class, () -> m.u64(0));
            assertEquals(0, m.u32(0));
            assertThrows(VhostUserException.class, () -> m.u32(4));
            assertThrows(VhostUserException.class, () -> m.u32(-4));
            assertThrows(IllegalArgumentException.class, () -> m.header(1, 1, Message.MAX_PAYLOAD + 1));
        }
    }

    @Test
    void requestTableChecksSizesAndFds() {
        assertEquals(Request.SET_MEM_TABLE, Request.byId(5));
        assertNull(Request.byId(31));
        assertNull(Request.byId(-1));
        assertNull(Request.byId(1 << 20));
        Request.SET_VRING_NUM.validate(8, 0);
        assertThrows(VhostUserException.class, () -> Request.SET_VRING_NUM.validate(7, 0));
        assertThrows(VhostUserException.class, () -> Request.SET_VRING_NUM.validate(8, 1));
        Request.SET_MEM_TABLE.validate(8 + 32 * 8, 8);
        assertThrows(VhostUserException.class, () -> Request.SET_MEM_TABLE.validate(8 + 32 * 9, 8));
        assertThrows(VhostUserException.class, () -> Request.SET_MEM_TABLE.validate(40, 0));
        assertTrue(Request.GET_VRING_BASE.alwaysReplies());
        assertTrue(Request.SET_VRING_ADDR.needsStoppedRing());
        for (Request r : Request.values()) {
            assertEquals(r, Request.byId(r.id()));
        }
    }
}
