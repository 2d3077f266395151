/**
 * The OpenFlow 1.3 agent (docs/openflow.md): a compact codec of its own over {@code ByteBuffer}
 * with every length and offset checked ({@link io.virtio4j.ovs.openflow.OfReader}), the protocol
 * state of one connection ({@code OfSession}), and the passive listener
 * ({@link io.virtio4j.ovs.openflow.OpenFlowAgent}). It reads the switch through
 * {@code OfSwitchView}: the ports and the tables of the one flow program the data path classifies with.
 */
package io.virtio4j.ovs.openflow;
