package io.virtio4j.spi.net;

import io.virtio4j.api.log.RateLimitedLogs;

import io.virtio4j.api.feature.VirtioFeature;
import io.virtio4j.api.memory.GuestMemory;
import io.virtio4j.vring.DescriptorChain;
import io.virtio4j.vring.DeviceQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Executes the commands of the virtio-net control virtqueue (spec 5.1.6.5):
 * {@code u8 class; u8 command; u8 data[]; u8 ack;}, the ack in the first device-writable byte.
 * Every command gets VIRTIO_NET_OK or VIRTIO_NET_ERR; a malformed one is counted by
 * {@link ControlResult} and logged rate-limited, never thrown. Runs on the thread that handles the
 * control queue's notifications; the command buffer is reused, so no allocation per command
 * except the new MAC tables it publishes.
 */
final class ControlQueueProcessor {
    static final int CLASS_RX = 0;
    static final int CLASS_MAC = 1;
    static final int CLASS_ANNOUNCE = 3;
    static final int CLASS_MQ = 4;
    static final int RX_PROMISC = 0;
    static final int RX_ALLMULTI = 1;
    static final int MAC_TABLE_SET = 0;
    static final int MAC_ADDR_SET = 1;
    static final int ANNOUNCE_ACK = 0;
    static final int MQ_VQ_PAIRS_SET = 0;
    static final byte ACK_OK = 0;
    static final byte ACK_ERR = 1;
    /** Entries per MAC table (QEMU's MAC_TABLE_ENTRIES is also 64). */
    static final int MAC_TABLE_ENTRIES = 64;
    /** Longest command: header + two tables of 4 + 64 * 6 bytes. */
    static final int MAX_COMMAND = 2 + 2 * (4 + MAC_TABLE_ENTRIES * MacAddress.BYTES);

    private static final Logger LOG = LoggerFactory.getLogger(ControlQueueProcessor.class);
    /** Per result, shared by every device: a guest cannot get lines of its own by making devices. */
    private static final RateLimitedLogs<ControlResult> REFUSAL_LOG = new RateLimitedLogs<>(LOG, 1_000_000_000L, ControlResult.class);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a command changes outside the filter state. */
    interface Effects {
        /** The driver acknowledged an announcement: clear STATUS_ANNOUNCE. */
        void announceAcked();

        /** The driver changed the number of active pairs. */
        void queuePairsChanged(int pairs);
    }

    private final GuestMemory memory;
    private final DeviceQueue queue;
    private final ControlState state;
    private final long features;
    private final int maxQueuePairs;
    private final Effects effects;
    private final DescriptorChain chain;
    private final byte[] command = new byte[MAX_COMMAND];
    private final MemorySegment commandSegment = MemorySegment.ofArray(command);
    private final MemorySegment ackSegment = MemorySegment.ofArray(new byte[1]);
    private final long[] results = new long[ControlResult.VALUES.length];

    ControlQueueProcessor(GuestMemory memory, DeviceQueue queue, ControlState state, long features,
                          int maxQueuePairs, Effects effects) {
        this.memory = memory;
        this.queue = queue;
        this.state = state;
        this.features = features;
        this.maxQueuePairs = maxQueuePairs;
        this.effects = effects;
        this.chain = queue.newChain();
    }

    /** Executes every available command; returns whether the driver wants an interrupt. */
    boolean processAvailable() {
        while (queue.popOne(chain)) {
            execute();
        }
        queue.publish();
        return queue.needsInterrupt();
    }

    private void execute() {
        if (chain.writableCount() == 0) {
            count(ControlResult.NO_ACK_BYTE);
            queue.addUsed(chain, 0);
            return;
        }
        ControlResult result;
        if (chain.readableBytes() > MAX_COMMAND) {
            result = ControlResult.TOO_LONG;
        } else {
            int length = gather();
            result = length < 2 ? ControlResult.TRUNCATED : apply(command[0] & 0xff, command[1] & 0xff, length - 2);
        }
        count(result);
        ackSegment.set(ValueLayout.JAVA_BYTE, 0, result == ControlResult.OK ? ACK_OK : ACK_ERR);
        // The walker proved the first writable buffer mapped with length >= 1 (empty buffers are skipped).
        memory.write(chain.address(chain.readableCount()), ackSegment, 0, 1);
        queue.addUsed(chain, 1);
    }

    /** Copies the readable buffers into {@link #command}; the total was checked <= MAX_COMMAND. */
    private int gather() {
        int at = 0;
        for (int i = 0; i < chain.readableCount(); i++) {
            int len = (int) chain.length(i);
            // In bounds: the sum of readable lengths is <= MAX_COMMAND == command.length.
            memory.read(chain.address(i), commandSegment, at, len);
            at += len;
        }
        return at;
    }

    private ControlResult apply(int cls, int cmd, int dataLength) {
        return switch (cls) {
            case CLASS_RX -> rx(cmd, dataLength);
            case CLASS_MAC -> mac(cmd, dataLength);
            case CLASS_ANNOUNCE -> announce(cmd, dataLength);
            case CLASS_MQ -> mq(cmd, dataLength);
            default -> ControlResult.UNSUPPORTED;
        };
    }

    private ControlResult rx(int cmd, int dataLength) {
        if (!VirtioFeature.NET_CTRL_RX.in(features) || (cmd != RX_PROMISC && cmd != RX_ALLMULTI)) {
            return ControlResult.UNSUPPORTED;
        }
        ControlResult shape = exactly(dataLength, 1);
        if (shape != ControlResult.OK) {
            return shape;
        }
        boolean on = command[2] != 0;
        if (cmd == RX_PROMISC) {
            state.promiscuous(on);
        } else {
            state.allMulticast(on);
        }
        return ControlResult.OK;
    }

    private ControlResult mac(int cmd, int dataLength) {
        if (cmd == MAC_ADDR_SET) {
            if (!VirtioFeature.NET_CTRL_MAC_ADDR.in(features)) {
                return ControlResult.UNSUPPORTED;
            }
            ControlResult shape = exactly(dataLength, MacAddress.BYTES);
            if (shape != ControlResult.OK) {
                return shape;
            }
            long mac = MacAddress.of(command, 2);
            if (MacAddress.isMulticast(mac)) {
                return ControlResult.INVALID_VALUE;
            }
            state.mac(mac);
            return ControlResult.OK;
        }
        if (cmd != MAC_TABLE_SET || !VirtioFeature.NET_CTRL_RX.in(features)) {
            return ControlResult.UNSUPPORTED;
        }
        // Two tables back to back: le32 entries; u8 macs[entries][6]; (unicast, then multicast).
        int at = 2;
        int end = 2 + dataLength;
        long[][] tables = new long[2][];
        for (int t = 0; t < 2; t++) {
            if (end - at < 4) {
                return ControlResult.TRUNCATED;
            }
            // In bounds: at + 4 <= end <= command.length.
            long entries = Integer.toUnsignedLong(commandSegment.get(LE32, at));
            at += 4;
            if (entries > MAC_TABLE_ENTRIES) {
                return ControlResult.TOO_MANY_MACS;
            }
            if (end - at < entries * MacAddress.BYTES) {
                return ControlResult.TRUNCATED;
            }
            long[] table = new long[(int) entries];
            for (int i = 0; i < table.length; i++) {
                table[i] = MacAddress.of(command, at);
                at += MacAddress.BYTES;
            }
            tables[t] = table;
        }
        if (at != end) {
            return ControlResult.TOO_LONG;
        }
        state.tables(tables[0], tables[1]);
        return ControlResult.OK;
    }

    private ControlResult announce(int cmd, int dataLength) {
        if (!VirtioFeature.NET_GUEST_ANNOUNCE.in(features) || cmd != ANNOUNCE_ACK) {
            return ControlResult.UNSUPPORTED;
        }
        ControlResult shape = exactly(dataLength, 0);
        if (shape == ControlResult.OK) {
            effects.announceAcked();
        }
        return shape;
    }

    private ControlResult mq(int cmd, int dataLength) {
        if (!VirtioFeature.NET_MQ.in(features) || cmd != MQ_VQ_PAIRS_SET) {
            return ControlResult.UNSUPPORTED;
        }
        ControlResult shape = exactly(dataLength, 2);
        if (shape != ControlResult.OK) {
            return shape;
        }
        // In bounds: dataLength == 2, so bytes 2..3 were gathered.
        int pairs = commandSegment.get(LE16, 2) & 0xffff;
        if (pairs < 1 || pairs > maxQueuePairs) {
            return ControlResult.INVALID_VALUE;
        }
        state.activeQueuePairs(pairs);
        effects.queuePairsChanged(pairs);
        return ControlResult.OK;
    }

    private static ControlResult exactly(int dataLength, int expected) {
        if (dataLength < expected) {
            return ControlResult.TRUNCATED;
        }
        return dataLength > expected ? ControlResult.TOO_LONG : ControlResult.OK;
    }

    private void count(ControlResult result) {
        results[result.ordinal()]++;
        if (result != ControlResult.OK) {
            REFUSAL_LOG.of(result).warn("control queue: command refused: {}", result);
        }
    }

    /** Commands that ended with {@code result}. */
    long results(ControlResult result) {
        return results[result.ordinal()];
    }

    DeviceQueue queue() {
        return queue;
    }
}
