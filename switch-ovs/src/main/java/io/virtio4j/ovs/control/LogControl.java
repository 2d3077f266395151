package io.virtio4j.ovs.control;

import io.virtio4j.ovs.config.LogSettings;

import java.util.List;

/**
 * The daemon's hold on its SLF4J provider: the library logs through the SLF4J API only, so
 * setting levels and the log file is up to whoever put a provider on the path (the launcher
 * brings Logback; {@code ./virtio4j switch} passes its control here). {@link #NONE} is for a
 * daemon run without one: the config's levels are not applied (logged once) and
 * {@code ctl log-level} answers an error.
 */
public interface LogControl {
    /**
     * One logger's level.
     *
     * @param logger    the logger's name ({@link LogSettings#ROOT} for the root)
     * @param level     the level set on it, or "-" when it inherits
     * @param effective the level it logs at
     */
    record Level(String logger, String level, String effective) {
    }

    /** Applies the config's levels and log file; called once as the daemon starts. */
    void configure(LogSettings settings);

    /**
     * Sets {@code logger}'s level ({@link LogSettings#LEVELS}, or {@code default} to make a logger
     * other than the root inherit again); returns the logger's level afterwards.
     */
    Level set(String logger, String level);

    /** The root and every logger with a level of its own. */
    List<Level> levels();

    /** Whether levels can be changed (false for {@link #NONE}). */
    default boolean available() {
        return true;
    }

    /** No provider to control: nothing is applied, every change is refused. */
    LogControl NONE = new LogControl() {
        @Override
        public void configure(LogSettings settings) {
            // The provider's own configuration stays in force; the daemon says so if the config asked for more.
        }

        @Override
        public Level set(String logger, String level) {
            throw new ControlException("this switch runs without a log provider it can control (the launcher"
                    + " ./virtio4j brings Logback); levels cannot be changed at run time");
        }

        @Override
        public List<Level> levels() {
            return List.of();
        }

        @Override
        public boolean available() {
            return false;
        }
    };
}
