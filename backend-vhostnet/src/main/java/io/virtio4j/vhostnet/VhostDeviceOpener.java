package io.virtio4j.vhostnet;

/**
 * Opens a fresh {@code /dev/vhost-net} (one per queue pair). The backend takes this instead of a
 * path so tests can hand it devices over a mocked platform.
 */
@FunctionalInterface
public interface VhostDeviceOpener {
    /** A newly opened device, not yet owned. */
    VhostNetDevice open();
}
