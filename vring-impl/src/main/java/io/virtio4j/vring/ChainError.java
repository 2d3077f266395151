package io.virtio4j.vring;

/** Why the device refused a descriptor chain (or a whole queue). Each has a per-queue counter. */
public enum ChainError {
    /** avail ring entry names a descriptor >= queue size. */
    HEAD_OUT_OF_RANGE,
    /** a NEXT field names a descriptor >= table size. */
    NEXT_OUT_OF_RANGE,
    /** more descriptors than the table holds: a loop (spec 2.7.5.3.1). */
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
    /** readable descriptor after a writable one (spec 2.7.4.2: MUST place readable first). */
    READABLE_AFTER_WRITABLE,
    /** the chain's total length does not fit 32 bits (spec 2.7.5.2: MUST NOT exceed 2^32). */
    LENGTH_OVERFLOW,
    /** avail idx ran more than queue size ahead of last_avail_idx: queue marked broken. */
    AVAIL_INDEX_RUNAWAY,
    /** the device returned a head that is not outstanding (caller bug, refused). */
    USED_ID_INVALID;

    static final ChainError[] VALUES = values();
}
