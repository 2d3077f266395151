package io.virtio4j.ovs.vxlan;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.platform.bindings.IoVec;
import io.virtio4j.api.platform.bindings.MmsgHdr;
import io.virtio4j.api.platform.bindings.SockaddrIn;
import io.virtio4j.ovs.datapath.FlowHash;
import io.virtio4j.ovs.l2.Fdb;
import io.virtio4j.ovs.offload.FrameOffload;
import io.virtio4j.ovs.offload.FrameSink;
import io.virtio4j.ovs.offload.SoftwareOffload;
import io.virtio4j.ovs.packet.Ethernet;
import io.virtio4j.ovs.packet.NetworkOrder;
import io.virtio4j.ovs.pipeline.FramePipeline;
import io.virtio4j.ovs.port.Frame;
import io.virtio4j.ovs.port.SwitchPort;
import io.virtio4j.ovs.port.TxBatch;
import io.virtio4j.spi.net.VirtioNetHeader;

/**
 * The transmit half of a VXLAN port: each frame of a burst is copied once into a staging buffer
 * (head, then the rest of the frame), its 802.1Q tag turned into the VNI of its VLAN by moving the
 * addresses 4 bytes forward and writing the VXLAN header before them, and the datagram is queued
 * to the VTEP behind its destination MAC, or to every VTEP (head-end replication) for broadcast,
 * multicast and unknown unicast. A replicated frame is one staging buffer and one iovec named by
 * several messages. Messages are grouped by source socket (the inner flow's hash picks it) and each
 * group leaves in one sendmmsg per burst (more only past {@link #GROUP} datagrams). A guest's
 * offloaded frame leaves complete: a partial checksum is finished in the staged copy, and a TCP
 * super-frame is cut into segments by the transmitting PMD's software offload, each staged and
 * sent at once (the kernel gets no super-frames through a plain UDP socket). Called under the
 * port's lock.
 */
final class VxlanTransmitter {
    /** Datagrams per source socket queued before a sendmmsg. */
    static final int GROUP = 64;
    /** Where a staged frame starts: room for the VXLAN header ahead of its addresses after the tag is removed. */
    private static final int STAGE = VxlanHeader.SIZE;
    /** Where the datagram starts: the VXLAN header, then the untagged inner frame. */
    private static final int DATAGRAM = 4;

    private final Platform platform;
    private final UnderlaySockets sockets;
    private final VniMap vnis;
    private final VxlanDrops drops;
    private final int udpPort;
    private final int maxInner;
    private final MemorySegment[] staging = new MemorySegment[TxBatch.CAPACITY];
    private final MemorySegment[] inner = new MemorySegment[TxBatch.CAPACITY];
    private final MemorySegment iovecs;
    private final MemorySegment[] messages = new MemorySegment[UnderlaySockets.SOURCES];
    private final MemorySegment[] names = new MemorySegment[UnderlaySockets.SOURCES];
    /** Per group and message: the batch entry it carries and the VTEP it goes to. */
    private final int[][] entryOf = new int[UnderlaySockets.SOURCES][GROUP];
    private final Vtep[][] vtepOf = new Vtep[UnderlaySockets.SOURCES][GROUP];
    private final int[] queued = new int[UnderlaySockets.SOURCES];
    private final int[] groupFd = new int[UnderlaySockets.SOURCES];
    private final boolean[] sent = new boolean[TxBatch.CAPACITY];
    private final int[] datagramLength = new int[TxBatch.CAPACITY];
    /**
     * A super-frame's segments: each is staged here in turn, encapsulated as a frame is, and sent at
     * once (one sendmmsg to its VTEPs) before the software offload makes the next in the same scratch.
     */
    private final MemorySegment segmentStaging;
    private final MemorySegment segmentIovec;
    private final MemorySegment segmentMessages;
    private final MemorySegment segmentNames;
    private final MemorySegment segmentInner;
    private final Vtep[] segmentVteps = new Vtep[GROUP];
    private final FrameSink segmentSink = (target, piece, head, headLength, resume) -> sendSegment(piece, head, headLength, resume);
    /** The burst being sent, for the segment sink (set by transmit, under the port's lock). */
    private VtepSet burstVteps;
    private Fdb burstRemoteMacs;
    private long burstNow;

    VxlanTransmitter(Platform platform, UnderlaySockets sockets, VniMap vnis, VxlanDrops drops, int udpPort, int maxInner,
                     Arena arena) {
        this.platform = platform;
        this.sockets = sockets;
        this.vnis = vnis;
        this.drops = drops;
        this.udpPort = udpPort;
        this.maxInner = maxInner;
        this.iovecs = arena.allocate(IoVec.arraySize(TxBatch.CAPACITY), 8);
        for (int i = 0; i < TxBatch.CAPACITY; i++) {
            staging[i] = arena.allocate(STAGE + SwitchPort.MAX_FRAME, 64);
            // In bounds: the inner frame starts at STAGE + 4 of a buffer of STAGE + MAX_FRAME bytes.
            inner[i] = staging[i].asSlice(STAGE + 4);
        }
        for (int g = 0; g < UnderlaySockets.SOURCES; g++) {
            messages[g] = arena.allocate(MmsgHdr.arraySize(GROUP), 8);
            names[g] = arena.allocate((long) SockaddrIn.SIZE * GROUP, 8);
        }
        this.segmentStaging = arena.allocate(STAGE + SwitchPort.MAX_FRAME, 64);
        // In bounds: the inner frame starts at STAGE + 4 of a buffer of STAGE + MAX_FRAME bytes.
        this.segmentInner = segmentStaging.asSlice(STAGE + 4);
        this.segmentIovec = arena.allocate(IoVec.arraySize(1), 8);
        this.segmentMessages = arena.allocate(MmsgHdr.arraySize(GROUP), 8);
        this.segmentNames = arena.allocate((long) SockaddrIn.SIZE * GROUP, 8);
    }

    /** Encapsulates and sends every entry of {@code batch}, marking those at least one VTEP got. */
    void transmit(TxBatch batch, VtepSet vteps, Fdb remoteMacs, long now) {
        burstVteps = vteps;
        burstRemoteMacs = remoteMacs;
        burstNow = now;
        for (int i = 0; i < batch.count(); i++) {
            sent[i] = false;
            Frame frame = batch.frame(i);
            FrameOffload offload = frame.offload();
            if (offload != null && offload.gsoType() != VirtioNetHeader.GSO_NONE) {
                // The tunnel cannot hand the kernel a super-frame: the PMD's software offload cuts it
                // into segments, each sent as its own datagram by segmentSink. What the burst queued
                // before it leaves first, so a flow's frames keep their order on the underlay.
                for (int g = 0; g < UnderlaySockets.SOURCES; g++) {
                    flush(g);
                }
                sent[i] = batch.offloads().send(frame, offload, batch.head(i), batch.headLength(i), batch.resume(i),
                        segmentSink, 0);
                continue;
            }
            int hash = stage(batch, i);
            if (hash == Integer.MIN_VALUE) {
                continue;
            }
            MemorySegment s = staging[i];
            long destination = NetworkOrder.mac(s, STAGE + 4 + Ethernet.DESTINATION);
            int vlan = vlanOf(i);
            Vtep known = null;
            if (!Ethernet.isMulticast(destination)) {
                known = vteps.bySlot(remoteMacs.lookup(vlan, destination, now));
            }
            int group = Math.floorMod(hash, UnderlaySockets.SOURCES);
            if (known != null && vteps.carries(known, vlan)) {
                queue(group, i, known);
            } else {
                // Head-end replication: a copy to every VTEP of the VNI.
                int copies = 0;
                for (int v = 0; v < vteps.size(); v++) {
                    if (vteps.carries(vteps.get(v), vlan)) {
                        queue(group, i, vteps.get(v));
                        copies++;
                    }
                }
                if (copies == 0) {
                    drops.count(VxlanDrop.NO_VTEP, 1, 0);
                }
            }
        }
        for (int g = 0; g < UnderlaySockets.SOURCES; g++) {
            flush(g);
        }
        for (int i = 0; i < batch.count(); i++) {
            if (sent[i]) {
                batch.sent(i);
            }
        }
    }

    /** The VLAN saved for entry {@code i} by {@link #stage} (in its staging buffer's spare bytes). */
    private int vlanOf(int i) {
        // In bounds: bytes [0, 2) of the staging buffer are before the datagram (which starts at 4).
        return NetworkOrder.u16(staging[i], 0);
    }

    /**
     * Copies entry {@code i} into its staging buffer and turns it into a datagram; returns the inner
     * flow's hash, or {@link Integer#MIN_VALUE} when the frame was dropped (counted).
     */
    private int stage(TxBatch batch, int i) {
        Frame frame = batch.frame(i);
        int headLength = batch.headLength(i);
        long total = headLength + frame.length() - batch.resume(i);
        MemorySegment s = staging[i];
        if (!copyIn(s, frame, batch.head(i), headLength, batch.resume(i), total)) {
            return Integer.MIN_VALUE;
        }
        FrameOffload offload = frame.offload();
        if (offload != null && !completeChecksum(offload, s, headLength - batch.resume(i), total)) {
            return Integer.MIN_VALUE;
        }
        int innerLength = encapsulate(s, total);
        if (innerLength < 0) {
            return Integer.MIN_VALUE;
        }
        datagramLength[i] = VxlanHeader.SIZE + innerLength;
        // In bounds: iovec i of CAPACITY; the datagram [4, 4 + 8 + innerLength) = [4, STAGE + total) is in the buffer.
        IoVec.set(iovecs, i, s.address() + DATAGRAM, datagramLength[i]);
        return FlowHash.of(inner[i], Math.min(innerLength, FramePipeline.HEADER_BYTES));
    }

    /**
     * Copies a tagged frame ({@code headLength} bytes of {@code head}, then {@code frame} from
     * {@code resume}: {@code total} bytes) to {@code STAGE} of {@code s}; false when it was dropped (counted).
     */
    private boolean copyIn(MemorySegment s, Frame frame, MemorySegment head, int headLength, long resume, long total) {
        if (total < Ethernet.TAGGED_HEADER_LENGTH || total > SwitchPort.MAX_FRAME) {
            drops.count(VxlanDrop.NO_VNI, 1, 0);
            return false;
        }
        // In bounds: headLength <= the head's size (TxBatch.add or the software offload checked it) and
        // total <= MAX_FRAME, so [STAGE, STAGE + total) lies in the buffer of STAGE + MAX_FRAME bytes.
        MemorySegment.copy(head, 0, s, STAGE, headLength);
        frame.read(resume, s, STAGE + headLength, total - headLength);
        if (NetworkOrder.u16(s, STAGE + Ethernet.TYPE) != Ethernet.TYPE_VLAN) {
            drops.count(VxlanDrop.NO_VNI, 1, 0);
            return false;
        }
        return true;
    }

    /**
     * Turns the tagged frame of {@code total} bytes at {@code STAGE} of {@code s} into a datagram
     * at {@code DATAGRAM} (the tag's VLAN saved in bytes [0, 2)); returns the inner frame's length,
     * or -1 when it was dropped (counted).
     */
    private int encapsulate(MemorySegment s, long total) {
        int vlan = NetworkOrder.u16(s, STAGE + Ethernet.VLAN_TCI) & Ethernet.VLAN_ID_MASK;
        int vni = vnis.vni(vlan);
        if (vni == 0) {
            drops.count(VxlanDrop.NO_VNI, 1, 0);
            return -1;
        }
        int innerLength = (int) total - 4;
        if (innerLength > maxInner) {
            drops.count(VxlanDrop.TOO_BIG, 1, 0);
            return -1;
        }
        // In bounds: [STAGE, STAGE + 12) moves to [STAGE + 4, STAGE + 16), over the tag (memmove semantics);
        // the header goes to [DATAGRAM, DATAGRAM + 8) = [4, 12), and the VLAN to [0, 2), before the datagram.
        MemorySegment.copy(s, STAGE, s, STAGE + 4, 12);
        VxlanHeader.write(s, DATAGRAM, vni);
        NetworkOrder.putU16(s, 0, vlan);
        return innerLength;
    }

    /**
     * Finishes a guest's partial checksum in the staged copy (the guest cannot change it there).
     * {@code shift} is how far the head's rewrite moved the frame's offsets (a tag pushed or popped).
     */
    private boolean completeChecksum(FrameOffload offload, MemorySegment s, long shift, long total) {
        if (!offload.needsCsum()) {
            return true;
        }
        long start = offload.csumStart() + shift;
        if (start < 0 || start + offload.csumOffset() + 2L > total) {
            drops.count(VxlanDrop.BAD_CHECKSUM_OFFSETS, 1, 0);
            return false;
        }
        // In bounds: STAGE + start + csumOffset + 2 <= STAGE + total, which copyIn put in the buffer.
        SoftwareOffload.completeChecksum(s, (int) (STAGE + start), offload.csumOffset(), (int) (STAGE + total));
        return true;
    }

    /**
     * One segment the software offload cut from a super-frame (complete, tagged): staged, encapsulated
     * and sent at once to the VTEP behind its destination, or to every VTEP; whether one got it.
     */
    private boolean sendSegment(Frame piece, MemorySegment head, int headLength, long resume) {
        MemorySegment s = segmentStaging;
        long total = headLength + piece.length() - resume;
        if (!copyIn(s, piece, head, headLength, resume, total)) {
            return false;
        }
        int innerLength = encapsulate(s, total);
        if (innerLength < 0) {
            return false;
        }
        // In bounds: the one iovec; the datagram [4, STAGE + total) lies in the segment buffer.
        IoVec.set(segmentIovec, 0, s.address() + DATAGRAM, VxlanHeader.SIZE + innerLength);
        long destination = NetworkOrder.mac(s, STAGE + 4 + Ethernet.DESTINATION);
        // In bounds: bytes [0, 2) of the segment's staging buffer hold its VLAN (before the datagram at 4).
        int vlan = NetworkOrder.u16(s, 0);
        Vtep known = Ethernet.isMulticast(destination) ? null
                : burstVteps.bySlot(burstRemoteMacs.lookup(vlan, destination, burstNow));
        int fd = sockets.sourceFd(Math.floorMod(FlowHash.of(segmentInner,
                Math.min(innerLength, FramePipeline.HEADER_BYTES)), UnderlaySockets.SOURCES));
        if (known != null && burstVteps.carries(known, vlan)) {
            segmentMessage(0, known);
            return sendSegmentMessages(fd, 1, innerLength);
        }
        boolean any = false;
        int count = 0;
        int copies = 0;
        for (int v = 0; v < burstVteps.size(); v++) {
            if (burstVteps.carries(burstVteps.get(v), vlan)) {
                segmentMessage(count++, burstVteps.get(v));
                copies++;
            }
            if (count == GROUP || (count > 0 && v == burstVteps.size() - 1)) {
                any |= sendSegmentMessages(fd, count, innerLength);
                count = 0;
            }
        }
        if (copies == 0) {
            drops.count(VxlanDrop.NO_VTEP, 1, 0);
        }
        return any;
    }

    private void segmentMessage(int k, Vtep vtep) {
        long name = (long) SockaddrIn.SIZE * k;
        // In bounds: k < GROUP: name k is bytes [16 k, 16 k + 16) of GROUP names; message k of GROUP.
        SockaddrIn.set(segmentNames, name, LinuxConstants.AF_INET, vtep.address(), udpPort);
        MmsgHdr.set(segmentMessages, k, segmentNames.address() + name, SockaddrIn.SIZE, segmentIovec.address(), 1);
        segmentVteps[k] = vtep;
    }

    /** Sends the segment's {@code count} messages (one datagram, count VTEPs); whether one went out. */
    private boolean sendSegmentMessages(int fd, int count, int innerLength) {
        int done = 0;
        boolean any = false;
        while (done < count) {
            int n;
            try {
                MemorySegment from = done == 0 ? segmentMessages : segmentMessages.asSlice(MmsgHdr.SIZE * done);
                n = platform.sendmmsg(fd, from, count - done, 0);
            } catch (NativeException e) {
                drops.count(VxlanDrop.SEND_FAILED, 1, segmentVteps[done++].address());
                continue;
            }
            if (n == (int) Platform.WOULD_BLOCK) {
                drops.count(VxlanDrop.SEND_FAILED, count - done, 0);
                break;
            }
            for (int k = done; k < done + n; k++) {
                segmentVteps[k].sent(1, innerLength);
            }
            any |= n > 0;
            done += n;
        }
        java.util.Arrays.fill(segmentVteps, 0, count, null);
        return any;
    }

    private void queue(int group, int entry, Vtep vtep) {
        if (queued[group] == GROUP) {
            flush(group);
        }
        int k = queued[group]++;
        groupFd[group] = sockets.sourceFd(group);
        long name = (long) SockaddrIn.SIZE * k;
        // In bounds: name k is bytes [16 k, 16 k + 16) of the group's GROUP names; message k of GROUP.
        SockaddrIn.set(names[group], name, LinuxConstants.AF_INET, vtep.address(), udpPort);
        MmsgHdr.set(messages[group], k, names[group].address() + name, SockaddrIn.SIZE,
                iovecs.address() + IoVec.SIZE * entry, 1);
        entryOf[group][k] = entry;
        vtepOf[group][k] = vtep;
    }

    /** Sends group {@code g}'s queued datagrams: one sendmmsg, more only when the kernel refuses one of them. */
    private void flush(int g) {
        int count = queued[g];
        int done = 0;
        while (done < count) {
            int n;
            try {
                // Partial sends are rare (a refused datagram); only then is a slice made.
                MemorySegment from = done == 0 ? messages[g] : messages[g].asSlice(MmsgHdr.SIZE * done);
                n = platform.sendmmsg(groupFd[g], from, count - done, 0);
            } catch (NativeException e) {
                // The first datagram of what was left was refused (no route, ...): count it, go on after it.
                drops.count(VxlanDrop.SEND_FAILED, 1, vtepOf[g][done].address());
                vtepOf[g][done++] = null;
                continue;
            }
            if (n == (int) Platform.WOULD_BLOCK) {
                drops.count(VxlanDrop.SEND_FAILED, count - done, 0);
                break;
            }
            for (int k = done; k < done + n; k++) {
                int entry = entryOf[g][k];
                sent[entry] = true;
                vtepOf[g][k].sent(1, datagramLength[entry] - VxlanHeader.SIZE);
                vtepOf[g][k] = null;
            }
            done += n;
        }
        for (int k = done; k < count; k++) {
            vtepOf[g][k] = null;
        }
        queued[g] = 0;
    }
}
