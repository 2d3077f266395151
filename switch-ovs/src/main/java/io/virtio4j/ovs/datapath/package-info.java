/**
 * The data path: PMD threads ({@link io.virtio4j.ovs.datapath.PmdThread}, Agrona agents) poll their
 * ports in bursts; {@link io.virtio4j.ovs.datapath.FrameExecutor} runs each frame through the pipeline
 * and copies it once into every output's receive chain behind a rewritten head, publishing once per
 * burst. An idle PMD thread spins, then sleeps on its ports' kick eventfds
 * ({@link io.virtio4j.ovs.datapath.PmdIdleStrategy}). docs/switch-datapath.md has the whole way of a frame.
 */
package io.virtio4j.ovs.datapath;
