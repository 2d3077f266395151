package io.virtio4j.vhostuser;

import io.virtio4j.vhostuser.net.VhostUserNetPort;
import io.virtio4j.vhostuser.protocol.Message;
import io.virtio4j.vhostuser.protocol.ProtocolFeature;
import io.virtio4j.vhostuser.protocol.Request;
import io.virtio4j.vhostuser.protocol.RingListener;
import io.virtio4j.vhostuser.transport.UnixSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.virtio4j.vhostuser.testing.GuestNic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our front-end driving our back-end over a real socket: a VMM and a switch port, end to end. */
class FrontendRoleTest {
    @TempDir
    Path dir;

    @Test
    void framesCrossBothWaysBetweenOurFrontendAndOurBackend() throws Exception {
        try (AttachedNic loop = new AttachedNic(dir.resolve("loop.sock"))) {
            VhostUserNetPort port = loop.port;
            GuestNic nic = loop.nic;
            VhostUserFrontend fe = loop.frontend;
            assertTrue(port.ready(0));

            byte[] out = GuestNic.frame(100, 1);
            assertTrue(nic.transmit(out));
            nic.kickTx();
            List<byte[]> got = new ArrayList<>();
            assertEquals(1, port.receive(0, (buf, off, len) -> got.add(GuestNic.bytes(buf, off, len)), 32));
            assertArrayEquals(out, got.get(0));
            assertEquals(1, nic.reclaimTx());

            byte[] in = GuestNic.frame(200, 2);
            assertEquals(1, port.send(0, new MemorySegment[] {MemorySegment.ofArray(in)}, new long[] {200}, 1));
            List<byte[]> delivered = new ArrayList<>();
            assertEquals(1, nic.receive((seg, len) -> delivered.add(GuestNic.bytes(seg, GuestNic.HDR, len - GuestNic.HDR))));
            assertArrayEquals(in, delivered.get(0));

            // Stopping a ring over the socket reports where the back-end got to.
            assertEquals(1, fe.getVringBase(1));
            assertEquals(false, port.ready(0));
        }
    }

    @Test
    void theFrontendSeesARefusalWithReplyAck() throws Exception {
        Path sock = dir.resolve("refuse.sock");
        try (VhostUserServer server = VhostUserServer.listen(sock, BackendConfig.net(1), () -> RingListener.NONE);
             VhostUserFrontend fe = VhostUserFrontend.connect(sock, Duration.ofSeconds(5))) {
            fe.setFeatures(fe.getFeatures());
            fe.setProtocolFeatures(ProtocolFeature.mask(ProtocolFeature.REPLY_ACK));
            // Above 32768 for either ring kind (every offered feature was acked, packed rings too).
            VhostUserException e = assertThrows(VhostUserException.class, () -> fe.setVringNum(0, 40000));
            assertTrue(e.getMessage().contains("SET_VRING_NUM"), e.getMessage());
            fe.setVringNum(0, 128);
        }
    }

    @Test
    void aVringBaseReplyWiderThanSixteenBitsIsRefused() {
        // A hostile back-end answers GET_VRING_BASE with a value no avail index can have.
        UnixSocket[] pair = UnixSocket.pair();
        try (Arena arena = Arena.ofConfined(); UnixSocket backEnd = pair[1];
             VhostUserFrontend fe = VhostUserFrontend.over(pair[0])) {
            Message reply = new Message(arena);
            for (int num : new int[] {0xFFFF, 0x10000, -1}) {
                reply.header(Request.GET_VRING_BASE.id(), Message.VERSION | Message.REPLY, Message.VRING_STATE_SIZE)
                        .u32(Message.STATE_INDEX, 3).u32(Message.STATE_NUM, num);
                backEnd.send(reply.buffer(), reply.totalLength());
            }
            assertEquals(0xFFFF, fe.getVringBase(3));
            VhostUserException wide = assertThrows(VhostUserException.class, () -> fe.getVringBase(3));
            assertTrue(wide.getMessage().contains("65536"), wide.getMessage());
            assertThrows(VhostUserException.class, () -> fe.getVringBase(3));
        }
    }
}
