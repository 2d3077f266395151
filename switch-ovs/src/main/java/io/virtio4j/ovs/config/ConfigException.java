package io.virtio4j.ovs.config;

/**
 * A config file the switch cannot use. The message reads {@code FILE:LINE: what is wrong; how to
 * fix it}, the way compilers report, so an editor can jump to it.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;

    /**
     * @param file   the file name as the user wrote it (shown as is)
     * @param line   1-based line number, or 0 when the problem is the file as a whole
     * @param detail what is wrong and how to fix it
     */
    public ConfigException(String file, int line, String detail) {
        super((line > 0 ? file + ":" + line : file) + ": " + detail);
        this.file = file;
        this.line = line;
    }

    /** The config file's name as given. */
    public String file() {
        return file;
    }

    /** The 1-based line the problem is on, or 0 when it concerns the whole file (e.g. it cannot be read). */
    public int line() {
        return line;
    }
}
