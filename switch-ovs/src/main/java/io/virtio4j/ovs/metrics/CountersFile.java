package io.virtio4j.ovs.metrics;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.lang.invoke.VarHandle;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.ConcurrentCountersManager;
import org.agrona.concurrent.status.CountersManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's side of a counters file: an Agrona {@link CountersManager} whose metadata and
 * values buffers live in a shared memory-mapped file (layout in {@link CountersFileHeader}), so
 * {@code ./virtio4j ctl counters}, a monitoring agent or a test in another process can read every
 * counter without asking the switch. Counters are plain Agrona counters: the data path increments
 * them with ordered stores and never blocks on a reader.
 *
 * <p>The file is always created fresh (an old one is unlinked first, never truncated under a
 * reader's mapping, which would SIGBUS it) and deleted on {@link #close()}. A file whose writer is
 * still running is refused: two switches must not share one.
 */
public final class CountersFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CountersFile.class);

    private final Path path;
    private final CountersFileHeader header;
    private final CountersManager manager;
    private boolean closed;

    private CountersFile(Path path, CountersFileHeader header, CountersManager manager) {
        this.path = path;
        this.header = header;
        this.manager = manager;
    }

    /** Creates {@code path} with room for {@code maxCounters} counters and maps it read-write. */
    public static CountersFile create(Path path, int maxCounters) {
        CountersFileHeader header = CountersFileHeader.forThisProcess(maxCounters);
        refuseLiveWriter(path);
        try {
            Path parent = path.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.deleteIfExists(path);
            MappedByteBuffer mapped;
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                // Extending with a write of the last byte gives a sparse file of the full length: no
                // page beyond the end that an access could SIGBUS on.
                channel.write(java.nio.ByteBuffer.wrap(new byte[1]), header.fileLength() - 1);
                // The mapping outlives the channel; it is released when the buffer is collected.
                mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, header.fileLength());
            }
            header.writeFields(mapped);
            // The buffers are views into the mapping; UnsafeBuffer checks every access against its
            // length (Agrona's bounds checks are on unless agrona.disable.bounds.checks is set).
            UnsafeBuffer metadata = new UnsafeBuffer(mapped, CountersFileHeader.LENGTH, header.metadataLength());
            UnsafeBuffer values = new UnsafeBuffer(mapped, CountersFileHeader.LENGTH + header.metadataLength(), header.valuesLength());
            // Ports allocate and free their counters as they come and go (reloads, ctl add-port and
            // del-port, VTEPs learned by the control side): the concurrent manager takes one lock
            // around every allocation and free, which the plain one does not. Counting takes none.
            CountersManager manager = new ConcurrentCountersManager(metadata, values, StandardCharsets.US_ASCII);
            // Fields before magic: a reader that sees the magic sees a complete header.
            VarHandle.storeStoreFence();
            UnsafeBuffer page = new UnsafeBuffer(mapped, 0, CountersFileHeader.LENGTH);
            // MAGIC_OFFSET + 8 lies inside the header page, which the mapping covers (fileLength > LENGTH).
            page.putLongVolatile(CountersFileHeader.MAGIC_OFFSET, CountersFileHeader.MAGIC);
            LOG.info("counters file {}: room for {} counters ({} bytes)", path, maxCounters, header.fileLength());
            return new CountersFile(path, header, manager);
        } catch (IOException e) {
            throw new CountersFileException("cannot create counters file " + path + ": " + e.getMessage()
                    + " (check the directory exists and is writable)", e);
        }
    }

    private static void refuseLiveWriter(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        CountersFileReader existing;
        try {
            existing = CountersFileReader.open(path, true);
        } catch (CountersFileException garbage) {
            LOG.info("replacing {}: {}", path, garbage.getMessage());
            return;
        }
        if (existing.writerAlive()) {
            throw new CountersFileException("counters file " + path + " belongs to a running process (pid "
                    + existing.writerPid() + "); is another switch running? Configure a different counters path");
        }
        LOG.info("replacing stale counters file {} of pid {} (no longer running)", path, existing.writerPid());
    }

    /** Where the counters live; allocate with {@code newCounter(label)}. Labels are ASCII, e.g. {@code port:vm1:rx_frames}. */
    public CountersManager manager() {
        return manager;
    }

    /** The counters file. */
    public Path path() {
        return path;
    }

    /** How many counters fit. */
    public int capacity() {
        return header.valuesLength() / org.agrona.concurrent.status.CountersReader.COUNTER_LENGTH;
    }

    /** Deletes the file; readers that still map it keep their (now frozen) view. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot delete counters file {}: {}", path, e.getMessage());
        }
    }
}
