package io.virtio4j.ovs.metrics;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Another process's view of a counters file: maps it read-only, checks the header, and gives an
 * Agrona {@link CountersReader} over the writer's live buffers. Values change under the reader as
 * the switch runs; each read is one atomic 64-bit load.
 *
 * <p>The mapping is held by a {@link MappedByteBuffer} and released by the garbage collector,
 * never unmapped explicitly (there is no close): a reader kept after its writer deleted the file
 * reads the frozen last values instead of touching unmapped memory.
 */
public final class CountersFileReader {
    private final Path path;
    private final CountersFileHeader header;
    private final CountersReader reader;

    private CountersFileReader(Path path, CountersFileHeader header, CountersReader reader) {
        this.path = path;
        this.header = header;
        this.reader = reader;
    }

    /** Opens the counters file of a running writer; a file whose writer is gone is refused as stale. */
    public static CountersFileReader open(Path path) {
        return open(path, false);
    }

    /**
     * Opens {@code path}.
     *
     * @param allowStale true to read the last values of a writer that is no longer running
     */
    public static CountersFileReader open(Path path, boolean allowStale) {
        String name = path.toString();
        if (!UnsafeBuffer.SHOULD_BOUNDS_CHECK) {
            // The file comes from another process: without bounds checks a corrupt label length would read outside the mapping.
            throw new CountersFileException("reading counters file " + name + " needs Agrona's bounds checks;"
                    + " remove -D" + UnsafeBuffer.DISABLE_BOUNDS_CHECKS_PROP_NAME + "=true");
        }
        MappedByteBuffer mapped;
        long size;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            size = channel.size();
            if (size < CountersFileHeader.LENGTH) {
                CountersFileHeader.read(name, java.nio.ByteBuffer.allocate(0), size); // throws: too short
            }
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
        } catch (NoSuchFileException e) {
            throw new CountersFileException("no counters file " + name + "; is the switch running, and is this the path"
                    + " in its config (counters = ...)?", e);
        } catch (IOException e) {
            throw new CountersFileException("cannot read counters file " + name + ": " + e.getMessage(), e);
        }
        CountersFileHeader header = CountersFileHeader.read(name, mapped, size);
        if (!allowStale && !header.writerAlive()) {
            throw new CountersFileException("counters file " + name + " is stale: its writer (pid " + header.writerPid()
                    + ", started " + Instant.ofEpochMilli(header.writerStartMillis()) + ") is no longer running;"
                    + " the values are from before it stopped");
        }
        // The header check proved the file holds LENGTH + metadata + values bytes, so both views lie
        // inside the mapping; UnsafeBuffer bounds-checks every access against its view.
        UnsafeBuffer metadata = new UnsafeBuffer(mapped, CountersFileHeader.LENGTH, header.metadataLength());
        UnsafeBuffer values = new UnsafeBuffer(mapped, CountersFileHeader.LENGTH + header.metadataLength(), header.valuesLength());
        return new CountersFileReader(path, header, new CountersReader(metadata, values, StandardCharsets.US_ASCII));
    }

    /** The Agrona reader over the live buffers (read-only: writing through it would fault). */
    public CountersReader reader() {
        return reader;
    }

    /** The counters file. */
    public Path path() {
        return path;
    }

    /** The pid of the switch that writes the file. */
    public long writerPid() {
        return header.writerPid();
    }

    /** When that switch started. */
    public Instant writerStarted() {
        return Instant.ofEpochMilli(header.writerStartMillis());
    }

    /** Whether the writer is still running (pid and start time both match). */
    public boolean writerAlive() {
        return header.writerAlive();
    }

    /** Every allocated counter now, in id order; corrupt metadata is a {@link CountersFileException}, never a crash. */
    public List<CounterValue> snapshot() {
        return snapshot(reader);
    }

    /**
     * Every allocated counter of {@code reader} (a file reader, or the writer's own CountersManager).
     * Agrona's own {@code forEach} trusts the label length in the metadata and allocates that many
     * bytes before any bounds check: a corrupt file could ask for 2 GiB. So this walks the records
     * itself and checks each length first.
     */
    public static List<CounterValue> snapshot(CountersReader reader) {
        List<CounterValue> out = new ArrayList<>();
        AtomicBuffer metadata = reader.metaDataBuffer();
        for (int id = 0; id <= reader.maxCounterId(); id++) {
            // metaDataOffset(id) + METADATA_LENGTH <= capacity for id <= maxCounterId: the header check
            // made the metadata buffer exactly (maxCounterId + 1) records long.
            int record = CountersReader.metaDataOffset(id);
            int state = metadata.getIntVolatile(record);
            if (state == CountersReader.RECORD_UNUSED) {
                break;
            }
            if (state != CountersReader.RECORD_ALLOCATED) {
                continue;
            }
            int labelLength = metadata.getInt(record + CountersReader.LABEL_OFFSET);
            if (labelLength < 0 || labelLength > CountersReader.MAX_LABEL_LENGTH) {
                throw new CountersFileException("counter " + id + " claims a label of " + labelLength + " bytes (at most "
                        + CountersReader.MAX_LABEL_LENGTH + "): corrupt counter metadata");
            }
            out.add(new CounterValue(id, reader.getCounterLabel(id), reader.getCounterValue(id)));
        }
        return out;
    }
}
