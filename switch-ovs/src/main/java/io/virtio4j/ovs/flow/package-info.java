/**
 * The flow program, in the style of Open vSwitch: tables of prioritised {@link io.virtio4j.ovs.flow.Match}es
 * with {@link io.virtio4j.ovs.flow.Action}s, built from the switch spec for each L3 strategy
 * ({@link io.virtio4j.ovs.flow.FlowProgramBuilder}); translating a frame through them gives a
 * {@link io.virtio4j.ovs.flow.Resolution} (what the datapath should do), which the per-thread
 * {@link io.virtio4j.ovs.flow.ExactMatchCache} keeps so the next frame of the same flow skips the tables.
 */
package io.virtio4j.ovs.flow;
