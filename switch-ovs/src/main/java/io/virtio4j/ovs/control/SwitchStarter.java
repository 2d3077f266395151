package io.virtio4j.ovs.control;

/** Starts the switch's data path from what the daemon prepared; closing the result stops it. */
@FunctionalInterface
public interface SwitchStarter {
    /** Starts the data path; closing the result stops it. */
    AutoCloseable start(SwitchResources resources) throws Exception;
}
