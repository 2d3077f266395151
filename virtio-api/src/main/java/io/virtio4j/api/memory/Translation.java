package io.virtio4j.api.memory;

import java.lang.foreign.MemorySegment;

/**
 * The result of translating a guest range: a host slice for the part that is contiguous in one
 * region. When {@code contiguous} is shorter than the requested length the caller continues at
 * {@code address + contiguous}.
 *
 * @param slice      host memory for the first {@code contiguous} bytes of the range
 * @param contiguous how many bytes of the request {@code slice} covers (at least 1)
 */
public record Translation(MemorySegment slice, long contiguous) {
}
