package io.virtio4j.ovs.metrics;

import static org.agrona.concurrent.status.CountersReader.COUNTER_LENGTH;
import static org.agrona.concurrent.status.CountersReader.METADATA_LENGTH;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The first page of a counters file: what a reader in another process needs to map the Agrona
 * buffers behind it and to tell whether their writer is still alive.
 *
 * <pre>
 * offset  size  field
 *      0     8  magic "V4JCNTRS" (written last, so a reader never sees a half-written header)
 *      8     4  version (1)
 *     12     4  header length (4096: the buffers start page-aligned, as Agrona's atomics need 8)
 *     16     4  metadata buffer length  (counters x METADATA_LENGTH)
 *     20     4  values buffer length    (counters x COUNTER_LENGTH)
 *     24     8  writer pid
 *     32     8  writer process start time, epoch milliseconds (tells a reused pid apart)
 * </pre>
 * Little-endian, like the Agrona buffers after it. The metadata buffer follows the header, the
 * values buffer follows the metadata.
 *
 * @param metadataLength bytes of Agrona counter metadata
 * @param valuesLength   bytes of Agrona counter values
 * @param writerPid      the writing process
 * @param writerStartMillis when the writing process started (epoch ms)
 */
record CountersFileHeader(int metadataLength, int valuesLength, long writerPid, long writerStartMillis) {
    static final long MAGIC = ByteBuffer.wrap("V4JCNTRS".getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    static final int VERSION = 1;
    static final int LENGTH = 4096;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int HEADER_LENGTH_OFFSET = 12;
    static final int METADATA_LENGTH_OFFSET = 16;
    static final int VALUES_LENGTH_OFFSET = 20;
    static final int PID_OFFSET = 24;
    static final int START_OFFSET = 32;
    /** Keeps the file under the 2 GiB a single mapping can address with int offsets (1M counters = 640 MiB). */
    static final int MAX_COUNTERS = 1 << 20;

    /** The header of a file holding {@code counters} counters, written by this process. */
    static CountersFileHeader forThisProcess(int counters) {
        if (counters < 1 || counters > MAX_COUNTERS) {
            throw new CountersFileException("a counters file holds 1.." + MAX_COUNTERS + " counters, not " + counters);
        }
        ProcessHandle self = ProcessHandle.current();
        long start = self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        return new CountersFileHeader(counters * METADATA_LENGTH, counters * COUNTER_LENGTH, self.pid(), start);
    }

    long fileLength() {
        return (long) LENGTH + metadataLength + valuesLength;
    }

    /** Writes every field but the magic, then the magic (the caller forces the order with a store fence). */
    void writeFields(ByteBuffer page) {
        ByteBuffer b = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        // Offsets are constants below LENGTH; the caller maps at least LENGTH bytes.
        b.putInt(VERSION_OFFSET, VERSION);
        b.putInt(HEADER_LENGTH_OFFSET, LENGTH);
        b.putInt(METADATA_LENGTH_OFFSET, metadataLength);
        b.putInt(VALUES_LENGTH_OFFSET, valuesLength);
        b.putLong(PID_OFFSET, writerPid);
        b.putLong(START_OFFSET, writerStartMillis);
    }

    /**
     * Reads and checks the header of a file of {@code fileLength} bytes; every mismatch says what
     * the file looks like instead, so "not a counters file" and "a file from another version" read
     * differently.
     */
    static CountersFileHeader read(String file, ByteBuffer page, long fileLength) {
        if (fileLength < LENGTH) {
            throw new CountersFileException(file + " is " + fileLength + " bytes, shorter than the " + LENGTH
                    + "-byte header of a counters file; not a virtio4j counters file (or still being created)");
        }
        ByteBuffer b = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        // Every offset read here is a constant below LENGTH, and fileLength >= LENGTH was checked above.
        if (b.getLong(MAGIC_OFFSET) != MAGIC) {
            throw new CountersFileException(file + " does not start with the magic V4JCNTRS; not a virtio4j counters file"
                    + " (or its writer has not finished creating it)");
        }
        int version = b.getInt(VERSION_OFFSET);
        if (version != VERSION) {
            throw new CountersFileException(file + " is counters file version " + version + "; this reader knows version "
                    + VERSION + " (use the virtio4j that wrote it)");
        }
        int headerLength = b.getInt(HEADER_LENGTH_OFFSET);
        int metadata = b.getInt(METADATA_LENGTH_OFFSET);
        int values = b.getInt(VALUES_LENGTH_OFFSET);
        boolean shapeOk = headerLength == LENGTH && values > 0 && values % COUNTER_LENGTH == 0
                && values / COUNTER_LENGTH <= MAX_COUNTERS
                && (long) metadata == (long) values / COUNTER_LENGTH * METADATA_LENGTH;
        if (!shapeOk) {
            throw new CountersFileException(file + " has an inconsistent header (header " + headerLength + ", metadata "
                    + metadata + ", values " + values + " bytes); the file is corrupt");
        }
        CountersFileHeader header = new CountersFileHeader(metadata, values, b.getLong(PID_OFFSET), b.getLong(START_OFFSET));
        if (header.fileLength() != fileLength) {
            throw new CountersFileException(file + " is " + fileLength + " bytes but its header describes "
                    + header.fileLength() + "; the file is truncated or corrupt");
        }
        return header;
    }

    /** Whether the process that wrote this header is still running (same pid and same start time). */
    boolean writerAlive() {
        return ProcessHandle.of(writerPid)
                .filter(ProcessHandle::isAlive)
                .map(p -> p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L) == writerStartMillis)
                .orElse(false);
    }
}
