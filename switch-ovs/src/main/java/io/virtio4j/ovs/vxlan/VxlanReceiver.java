package io.virtio4j.ovs.vxlan;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.api.platform.bindings.MmsgHdr;
import io.virtio4j.api.platform.bindings.SockaddrIn;
import io.virtio4j.ovs.l2.Fdb;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.port.FrameBatch;
import io.virtio4j.ovs.port.HostFrame;
import io.virtio4j.ovs.port.SwitchPort;

/**
 * The receive half of a VXLAN port: one recvmmsg fills up to a burst of datagrams with their
 * senders' addresses, each is validated ({@link VxlanHeader#decode}, MSG_TRUNC, the sender a VTEP
 * of the port, the VNI mapped), its inner source MAC learned against the sending VTEP, and the
 * inner frame handed on in place as an 802.1Q-tagged frame of the VNI's VLAN: the tag is made by
 * moving the 12 address bytes 4 bytes back over the spent VXLAN header, so nothing is copied but
 * those. Used by the one PMD thread that polls the port.
 */
final class VxlanReceiver {
    /** Each buffer: the VXLAN header and the longest frame the switch takes; a longer datagram is MSG_TRUNC. */
    static final int BUFFER = VxlanHeader.SIZE + SwitchPort.MAX_FRAME;
    /** Where the tagged frame starts in a buffer: the addresses moved 4 bytes back, into the VXLAN header. */
    private static final int FRAME_START = VxlanHeader.SIZE - 4;

    private final Platform platform;
    private final int fd;
    private final VniMap vnis;
    private final VxlanDrops drops;
    private final MemorySegment messages;
    private final MemorySegment names;
    private final MemorySegment[] buffers = new MemorySegment[FrameBatch.SIZE];
    private final HostFrame[] frames = new HostFrame[FrameBatch.SIZE];

    VxlanReceiver(Platform platform, int fd, VniMap vnis, VxlanDrops drops, Arena arena) {
        this.platform = platform;
        this.fd = fd;
        this.vnis = vnis;
        this.drops = drops;
        this.messages = arena.allocate(MmsgHdr.arraySize(FrameBatch.SIZE), 8);
        this.names = arena.allocate((long) SockaddrIn.SIZE * FrameBatch.SIZE, 8);
        MemorySegment iovecs = arena.allocate(IoVec.arraySize(FrameBatch.SIZE), 8);
        for (int i = 0; i < FrameBatch.SIZE; i++) {
            buffers[i] = arena.allocate(BUFFER, 64);
            frames[i] = new HostFrame();
            // In bounds: iovec i covers exactly buffer i; the kernel writes at most that and flags the rest MSG_TRUNC.
            IoVec.set(iovecs, i, buffers[i]);
            // In bounds: name i is bytes [16 i, 16 i + 16) of names; message i points at iovec i.
            MmsgHdr.set(messages, i, names.address() + (long) SockaddrIn.SIZE * i, SockaddrIn.SIZE,
                    iovecs.address() + IoVec.SIZE * i, 1);
        }
    }

    /**
     * Receives up to {@code batch.room()} datagrams in one call and adds the valid ones' inner
     * frames to {@code batch}; returns how many it added. Refused datagrams are counted in the
     * port's drops; their buffers are simply reused.
     */
    int receive(FrameBatch batch, VtepSet vteps, Fdb remoteMacs, long now) {
        int room = batch.room();
        if (room == 0) {
            return 0;
        }
        for (int i = 0; i < room; i++) {
            // In bounds: i < room <= SIZE entries of messages; the kernel overwrites both fields.
            MmsgHdr.nameLength(messages, i, SockaddrIn.SIZE);
            MmsgHdr.clearResult(messages, i);
        }
        int n = platform.recvmmsg(fd, messages, room, 0);
        if (n <= 0) {
            return 0;
        }
        int added = 0;
        for (int i = 0; i < n; i++) {
            if (accept(i, batch, vteps, remoteMacs, now)) {
                added++;
            }
        }
        return added;
    }

    private boolean accept(int i, FrameBatch batch, VtepSet vteps, Fdb remoteMacs, long now) {
        MemorySegment buffer = buffers[i];
        long name = (long) SockaddrIn.SIZE * i;
        int peer = SockaddrIn.address(names, name);
        if (MmsgHdr.nameLength(messages, i) != SockaddrIn.SIZE || SockaddrIn.family(names, name) != LinuxConstants.AF_INET) {
            drops.count(VxlanDrop.UNKNOWN_VTEP, 1, 0);
            return false;
        }
        Vtep vtep = vteps.find(peer);
        if (vtep == null) {
            drops.count(VxlanDrop.UNKNOWN_VTEP, 1, peer);
            return false;
        }
        // msg_len is at most the buffer's size (the kernel never writes past the iovec).
        int length = MmsgHdr.length(messages, i);
        int inner = length - VxlanHeader.SIZE;
        if ((MmsgHdr.flags(messages, i) & LinuxConstants.MSG_TRUNC) != 0 || inner > SwitchPort.MAX_FRAME - 4) {
            drops.count(VxlanDrop.OVERSIZE, 1, peer);
            return false;
        }
        int vni = VxlanHeader.decode(buffer, 0, length);
        if (vni < 0) {
            drops.count(VxlanHeader.drop(vni), 1, peer);
            return false;
        }
        int vlan = vnis.vlan(vni);
        if (vlan == 0) {
            drops.count(VxlanDrop.UNKNOWN_VNI, 1, peer);
            return false;
        }
        if (!vteps.carries(vtep, vlan)) {
            drops.count(VxlanDrop.VNI_NOT_CARRIED, 1, peer);
            return false;
        }
        // In bounds: decode proved length >= 8 + 14, so the inner source MAC (bytes 14..19 of the buffer) arrived.
        long source = NetworkOrder.mac(buffer, VxlanHeader.SIZE + Ethernet.SOURCE);
        if (!Ethernet.isMulticast(source) && source != 0) {
            remoteMacs.learn(vlan, source, vtep.slot(), now);
        }
        vtep.received(inner);
        // In bounds: bytes [8, 20) move to [4, 16) (memmove semantics); the tag fills [16, 20), where
        // the addresses' last 4 bytes were; the type and payload stay at [20, length).
        MemorySegment.copy(buffer, VxlanHeader.SIZE, buffer, FRAME_START, 12);
        NetworkOrder.putU16(buffer, FRAME_START + Ethernet.TYPE, Ethernet.TYPE_VLAN);
        NetworkOrder.putU16(buffer, FRAME_START + Ethernet.VLAN_TCI, vlan);
        batch.add(frames[batch.count()].set(buffer, FRAME_START, inner + 4L));
        return true;
    }
}
