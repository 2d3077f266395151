package io.virtio4j.vring;

import java.util.Locale;

import io.virtio4j.api.counters.CounterDescriptor;
import io.virtio4j.api.counters.CounterTypes;

/**
 * Why the device refused a descriptor chain (or a whole queue). Each has a per-queue counter,
 * labelled {@code chain_<name in lower case>} (the label a switch port shows them under).
 */
public enum ChainError implements CounterDescriptor {
    /** avail ring entry names a descriptor >= queue size; packed: the chain's buffer id is >= queue size. */
    HEAD_OUT_OF_RANGE,
    /** a NEXT field names a descriptor >= table size. */
    NEXT_OUT_OF_RANGE,
    /**
     * more descriptors than the table holds (a loop), or more buffers than a chain can hold;
     * packed: a chain that never ends within the slots the device may read (queue broken).
     */
    CHAIN_TOO_LONG,
    /** INDIRECT inside an indirect table (spec 2.7.5.3.1: MUST NOT). */
    NESTED_INDIRECT,
    /** INDIRECT used but VIRTIO_F_RING_INDIRECT_DESC not negotiated. */
    INDIRECT_NOT_NEGOTIATED,
    /** INDIRECT and NEXT both set on one descriptor (spec 2.7.5.3.1: MUST NOT). */
    INDIRECT_WITH_NEXT,
    /** indirect table length 0, not a multiple of 16, or more than 32768 entries. */
    INDIRECT_BAD_LENGTH,
    /** indirect table not wholly inside one guest-memory region. */
    INDIRECT_UNMAPPED,
    /** a buffer wraps the address space or leaves guest memory. */
    BUFFER_UNMAPPED,
    /** readable descriptor after a writable one (spec 2.7.5: writable descriptors MUST come after readable ones). */
    READABLE_AFTER_WRITABLE,
    /** the chain's total length does not fit 32 bits (spec 2.7.5: a chain MUST NOT exceed 2^32 bytes). */
    LENGTH_OVERFLOW,
    /** avail idx ran more than queue size ahead of last_avail_idx: queue marked broken. */
    AVAIL_INDEX_RUNAWAY,
    /** the device returned a head that is not outstanding (caller bug, refused). */
    USED_ID_INVALID,
    /** packed: a chain continues (NEXT) into a descriptor not marked available: queue broken. */
    DESC_NOT_AVAILABLE,
    /** packed: the chain's buffer id is one the device holds already (a driver MUST NOT reuse it before it is used). */
    ID_IN_USE;

    static final ChainError[] VALUES = values();

    /** {@code chain_} and the name in lower case. */
    @Override
    public String label() {
        return "chain_" + name().toLowerCase(Locale.ROOT);
    }

    @Override
    public int typeId() {
        return CounterTypes.QUEUE;
    }
}
