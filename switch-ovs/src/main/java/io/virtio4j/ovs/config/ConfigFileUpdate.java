package io.virtio4j.ovs.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * A new text for the config file, written beside it first and put in its place in one step: the
 * file is either the old one or the new one, whole, even if the switch or the machine stops in
 * between (temp file in the same directory, fsync, rename over the file, fsync of the directory).
 * A symbolic link is followed: its target is replaced, the link stays. The new file keeps the old
 * one's permissions. {@link #close()} without {@link #commit()} removes the temp file.
 */
public final class ConfigFileUpdate implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private boolean committed;

    private ConfigFileUpdate(Path target, Path temp) {
        this.target = target;
        this.temp = temp;
    }

    /**
     * Writes {@code text} to a temp file beside {@code file} and syncs it; nothing replaces
     * {@code file} until {@link #commit()}.
     *
     * @throws IOException if the directory is not writable or the disk is full: then the change
     *                     cannot be kept, so the caller should not make it
     */
    public static ConfigFileUpdate prepare(Path file, String text) throws IOException {
        Path target = file.toRealPath();
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.deleteIfExists(temp);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(target);
            Files.setPosixFilePermissions(temp, permissions);
        } catch (UnsupportedOperationException notPosix) {
            // Not a POSIX file system: the temp file's defaults apply.
        }
        return new ConfigFileUpdate(target, temp);
    }

    /** Puts the new text in the file's place (one rename) and syncs the directory. */
    public void commit() throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace " + target + " in one step: " + e.getMessage(), e);
        }
        committed = true;
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // Some file systems refuse to sync a directory; the rename is done all the same.
        }
    }

    /** Removes the temp file unless committed. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            Files.deleteIfExists(temp);
        }
    }
}
