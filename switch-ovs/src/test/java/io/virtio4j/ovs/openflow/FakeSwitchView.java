package io.virtio4j.ovs.openflow;

import io.virtio4j.ovs.flow.ControllerFlows;
import io.virtio4j.ovs.flow.PortNumbers;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A switch of {@code ports} ports and two tables, with counters that follow the port number; the
 * flows FLOW_MOD installs are recorded as the snapshots handed over ({@link #installed}), and
 * {@link #packets} stands for the data path's per-flow counts.
 */
final class FakeSwitchView implements OfSwitchView {
    private final int ports;
    /** Every snapshot handed to the "data path", in order. */
    final List<ControllerFlows> installed = new CopyOnWriteArrayList<>();
    /** Packets per counter key, as the data path would count them. */
    final Map<Object, Long> packets = new ConcurrentHashMap<>();
    private final OfFlowTable flows;
    /** Every frame injected: port, kind and bytes, in order. */
    final List<Injected> injected = new CopyOnWriteArrayList<>();
    /** Whether {@link #inject} accepts (false: every ring is full). */
    volatile boolean ringsHaveRoom = true;

    /** One {@link #inject} call. */
    record Injected(long port, int kind, byte[] frame) {
    }

    FakeSwitchView(int ports) {
        this(ports, OfFlowTable.Limits.DEFAULT);
    }

    /** With the flow table's coalescing delay, sweep interval and size given. */
    FakeSwitchView(int ports, OfFlowTable.Limits limits) {
        this.ports = ports;
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= ports; i++) {
            names.add("port" + i);
        }
        this.flows = new OfFlowTable(new PortNumbers(names), n -> n >= 1 && n <= ports, installed::add, () -> Map.copyOf(packets),
                limits);
    }

    @Override
    public OfFlowTable flows() {
        return flows;
    }

    /** Every port's MTU is 1500 but port 3's, 1000. */
    @Override
    public int mtu(long number) {
        return number < 1 || number > ports ? -1 : number == 3 ? 1000 : 1500;
    }

    @Override
    public boolean inject(long number, int kind, byte[] frame) {
        if (!ringsHaveRoom) {
            return false;
        }
        injected.add(new Injected(number, kind, frame.clone()));
        return true;
    }

    /** The data path's PACKET_IN queue, filled by a test; port names are "portN" for port N. */
    final io.virtio4j.ovs.datapath.PacketInQueue packetIns = new io.virtio4j.ovs.datapath.PacketInQueue();

    @Override
    public int drainPacketIns(java.util.function.Consumer<ByteBuffer> out) {
        return packetIns.drain(slot -> out.accept(OfPacketIn.encode(Long.parseLong(slot.port().substring(4)), slot)));
    }

    @Override
    public void awaitPacketIns(long timeoutNanos) {
        packetIns.await(timeoutNanos);
    }

    @Override
    public long packetInDropped() {
        return packetIns.dropped();
    }

    @Override
    public long datapathId() {
        return 0x0000_1234_5678_9abcL;
    }

    @Override
    public List<OfPortView> ports() {
        List<OfPortView> out = new ArrayList<>();
        for (int i = 1; i <= ports; i++) {
            out.add(new OfPortView(i, "port" + i, i % 2 == 1, 10L * i, 20L * i, 1000L * i, 2000L * i, i, 0));
        }
        return out;
    }

    @Override
    public List<OfTableView> tables() {
        return List.of(new OfTableView(0, 3, 100, 90), new OfTableView(1, 5, 90, 80));
    }
}
