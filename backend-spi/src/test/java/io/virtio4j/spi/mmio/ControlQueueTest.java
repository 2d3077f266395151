package io.virtio4j.spi.mmio;

import io.virtio4j.spi.testing.LinuxMmioDriver;

import io.virtio4j.api.feature.Features;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.api.notify.InMemoryNotifier;
import io.virtio4j.api.status.DeviceStatus;
import io.virtio4j.spi.net.ControlResult;
import io.virtio4j.spi.net.MacAddress;
import io.virtio4j.spi.net.NetConfigSpace;
import io.virtio4j.spi.net.NetControlState;
import io.virtio4j.spi.net.NetDeviceConfig;
import io.virtio4j.spi.net.VirtioNetDevice;
import io.virtio4j.spi.testing.RecordingBackend;
import io.virtio4j.vring.DriverQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.virtio4j.api.feature.VirtioFeature.*;
import static io.virtio4j.spi.mmio.MmioRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

/** The control virtqueue (spec 5.1.6.5) driven as a guest driver does, through the MMIO transport. */
class ControlQueueTest {
    static final long MAC = MacAddress.parse("52:54:00:12:34:56");
    static final int OK = 0;
    static final int ERR = 1;
    static final int NO_REPLY = -1;
    static final long CMD = 0x40000;
    static final long ACK = 0x41000;

    final Arena arena = Arena.ofConfined();
    final GuestMemory memory = GuestMemory.anonymous(arena, 0, 0x80000);
    final InMemoryNotifier irq = new InMemoryNotifier();
    RecordingBackend backend;
    VirtioNetDevice device;
    VirtioMmioTransport mmio;
    DriverQueue ctrl;
    int ctrlIndex;

    @BeforeEach
    void bringUp() {
        bringUp(Features.of(VERSION_1, NET_MAC, NET_STATUS, NET_CTRL_VQ, NET_CTRL_RX, NET_CTRL_MAC_ADDR,
                NET_GUEST_ANNOUNCE, NET_MQ));
    }

    void bringUp(long acked) {
        if (device != null) {
            device.close();
        }
        backend = new RecordingBackend(0, 2);
        device = new VirtioNetDevice(new NetDeviceConfig(MAC, 1500, 2, 64, backend), memory, InMemoryNotifier::new);
        mmio = new VirtioMmioTransport(device, irq, 0);
        LinuxMmioDriver driver = new LinuxMmioDriver(mmio, memory);
        driver.probe();
        assertTrue(driver.negotiate(acked));
        ctrlIndex = device.controlQueueIndex();
        driver.setupQueue(0, 16, false);
        driver.setupQueue(1, 16, false);
        ctrl = driver.setupQueue(ctrlIndex, 16, false);
        assertEquals(0, driver.driverOk() & DeviceStatus.DEVICE_NEEDS_RESET);
    }

    @AfterEach
    void tearDown() {
        device.close();
        arena.close();
    }

    /** Sends {@code command} as one readable buffer plus a 1-byte writable ack; returns the ack or NO_REPLY. */
    int send(int... command) {
        return send(bytes(command), true);
    }

    int send(byte[] command) {
        return send(command, true);
    }

    int send(byte[] command, boolean withAck) {
        memory.write(CMD, MemorySegment.ofArray(command), 0, command.length);
        memory.write(ACK, MemorySegment.ofArray(new byte[] {(byte) 0x5a}), 0, 1);
        if (withAck) {
            ctrl.add(new long[] {CMD, ACK}, new int[] {command.length, 1}, new boolean[] {false, true}, 2);
        } else {
            ctrl.add(new long[] {CMD}, new int[] {command.length}, new boolean[] {false}, 1);
        }
        ctrl.publish();
        mmio.write(QUEUE_NOTIFY, 4, ctrlIndex);
        int[] ids = new int[4];
        int[] lens = new int[4];
        assertEquals(1, ctrl.reclaim(ids, lens, 4), "every command comes back");
        if (lens[0] == 0) {
            return NO_REPLY;
        }
        assertEquals(1, lens[0], "the device wrote exactly the ack byte");
        return memory.slice(ACK, 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] macTables(int unicast, int multicast) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1);
        out.write(0);
        for (int[] table : new int[][] {{unicast, 0x02}, {multicast, 0x01}}) {
            int n = table[0];
            out.writeBytes(new byte[] {(byte) n, (byte) (n >>> 8), (byte) (n >>> 16), (byte) (n >>> 24)});
            for (int i = 0; i < n; i++) {
                out.writeBytes(new byte[] {(byte) table[1], 0, 0, 0, 0, (byte) i});
            }
        }
        return out.toByteArray();
    }

    @Test
    void rxModesAreAppliedAndReplied() {
        NetControlState state = device.controlState();
        assertTrue(state.promiscuous(), "promiscuous until the driver sets a filter");
        assertEquals(OK, send(0, 0, 0));
        assertFalse(state.promiscuous());
        assertEquals(OK, send(0, 1, 1));
        assertTrue(state.allMulticast());
        assertEquals(OK, send(0, 1, 0));
        assertFalse(state.allMulticast());
        assertEquals(3, device.controlResults(ControlResult.OK));
        assertNotEquals(0, mmio.read(INTERRUPT_STATUS, 4) & INT_USED_BUFFER, "the driver was interrupted");
        assertTrue(irq.consume() > 0);
    }

    @Test
    void malformedRxCommandsGetErrAndAreCounted() {
        assertEquals(ERR, send(0, 0));
        assertEquals(1, device.controlResults(ControlResult.TRUNCATED));
        assertEquals(ERR, send(0, 0, 1, 1));
        assertEquals(1, device.controlResults(ControlResult.TOO_LONG));
        assertEquals(ERR, send(0, 2, 1), "ALLUNI needs CTRL_RX_EXTRA, not offered");
        assertEquals(ERR, send(0));
        assertEquals(2, device.controlResults(ControlResult.TRUNCATED));
        assertEquals(ERR, send(9, 0, 0));
        assertEquals(ERR, send(2, 0, 0, 0), "VLAN class not offered");
        assertEquals(3, device.controlResults(ControlResult.UNSUPPORTED));
        assertTrue(device.controlState().promiscuous(), "nothing malformed changed the state");
        assertEquals(0, device.controlQueueCounters().totalErrors(), "well-formed chains, bad commands");
    }

    @Test
    void commandWithoutWritableByteIsReturnedUnanswered() {
        assertEquals(NO_REPLY, send(bytes(0, 0, 0), false));
        assertEquals(1, device.controlResults(ControlResult.NO_ACK_BYTE));
        assertTrue(device.controlState().promiscuous());
        assertEquals(OK, send(0, 0, 0), "the queue still works");
    }

    @Test
    void macTablesAreSetAndBoundsChecked() {
        assertEquals(OK, send(macTables(2, 3)));
        NetControlState state = device.controlState();
        assertArrayEquals(new long[] {0x0200_0000_0000L, 0x0200_0000_0001L}, state.unicastFilter());
        assertEquals(3, state.multicastFilter().length);
        assertEquals(0x0100_0000_0002L, state.multicastFilter()[2]);
        assertEquals(OK, send(0, 0, 0));
        assertTrue(state.accepts(0x0200_0000_0001L));
        assertTrue(state.accepts(0x0100_0000_0002L));
        assertTrue(state.accepts(MAC));
        assertTrue(state.accepts(MacAddress.BROADCAST));
        assertFalse(state.accepts(0x0200_0000_0009L));
        assertFalse(state.accepts(0x0100_0000_0009L));

        assertEquals(ERR, send(macTables(65, 0)));
        assertEquals(1, device.controlResults(ControlResult.TOO_MANY_MACS));
        byte[] cut = macTables(2, 2);
        assertEquals(ERR, send(java.util.Arrays.copyOf(cut, cut.length - 3)));
        assertEquals(ERR, send(bytes(1, 0, 1, 0, 0, 0)), "one unicast announced, none present, no multicast table");
        assertEquals(2, device.controlResults(ControlResult.TRUNCATED));
        assertEquals(ERR, send(java.util.Arrays.copyOf(cut, cut.length + 1)));
        assertEquals(1, device.controlResults(ControlResult.TOO_LONG));
        assertEquals(2, state.unicastFilter().length, "refused tables left the old ones");
    }

    @Test
    void macAddressSetChangesTheFilterAddress() {
        assertEquals(OK, send(1, 1, 0x52, 0x54, 0, 0xaa, 0xbb, 0xcc));
        assertEquals(MacAddress.parse("52:54:00:aa:bb:cc"), device.controlState().mac());
        assertEquals(ERR, send(1, 1, 0x01, 0, 0x5e, 0, 0, 1));
        assertEquals(1, device.controlResults(ControlResult.INVALID_VALUE));
        assertEquals(ERR, send(1, 1, 0x52, 0x54));
        assertEquals(ERR, send(1, 7));
        assertEquals(MacAddress.parse("52:54:00:aa:bb:cc"), device.controlState().mac());
    }

    @Test
    void queuePairsAreSetWithinOneToMax() {
        assertEquals(4, ctrlIndex, "with MQ the control queue follows the 2 pairs");
        assertEquals(1, device.controlState().activeQueuePairs());
        assertEquals(OK, send(4, 0, 2, 0));
        assertEquals(2, device.controlState().activeQueuePairs());
        assertEquals(ERR, send(4, 0, 0, 0));
        assertEquals(ERR, send(4, 0, 3, 0));
        assertEquals(2, device.controlResults(ControlResult.INVALID_VALUE));
        assertEquals(ERR, send(4, 0, 1));
        assertEquals(ERR, send(4, 1, 1, 0), "RSS_CONFIG not offered");
        assertEquals(2, device.controlState().activeQueuePairs());
        assertEquals(java.util.List.of(2), backend.pairChanges, "only the accepted command reaches the backend");
    }

    @Test
    void announceAckClearsTheAnnounceBit() {
        irq.consume();
        assertTrue(device.announce());
        assertEquals(NetConfigSpace.STATUS_LINK_UP | NetConfigSpace.STATUS_ANNOUNCE, mmio.read(CONFIG + NetConfigSpace.STATUS, 2));
        assertEquals(INT_CONFIG, mmio.read(INTERRUPT_STATUS, 4));
        mmio.write(INTERRUPT_ACK, 4, INT_CONFIG);
        assertEquals(ERR, send(3, 0, 0), "ACK carries no data");
        assertEquals(OK, send(3, 0));
        assertEquals(NetConfigSpace.STATUS_LINK_UP, mmio.read(CONFIG + NetConfigSpace.STATUS, 2));
        assertNotEquals(0, mmio.read(INTERRUPT_STATUS, 4) & INT_CONFIG);
    }

    @Test
    void commandsWhoseFeatureWasNotNegotiatedAreRefused() {
        bringUp(Features.of(VERSION_1, NET_CTRL_VQ));
        assertEquals(2, ctrlIndex, "without MQ the control queue is at 2");
        assertEquals(ERR, send(0, 0, 0));
        assertEquals(ERR, send(1, 1, 0x52, 0x54, 0, 0xaa, 0xbb, 0xcc));
        assertEquals(ERR, send(3, 0));
        assertEquals(ERR, send(4, 0, 1, 0));
        assertEquals(4, device.controlResults(ControlResult.UNSUPPORTED));
        assertFalse(device.announce());
    }

    @Test
    void runawayControlQueueBreaksTheDevice() {
        // A driver claiming 1000 new entries on a 16-entry ring: the queue is broken, not read.
        memory.slice(LinuxMmioDriver.layout(ctrlIndex, 16, false, false).availAddr() + 2, 2)
                .set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 1000);
        irq.consume();
        mmio.write(QUEUE_NOTIFY, 4, ctrlIndex);
        assertNotEquals(0, mmio.read(STATUS, 4) & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(INT_CONFIG, mmio.read(INTERRUPT_STATUS, 4) & INT_CONFIG);
        assertEquals(1, device.queueFailures());
    }
}
