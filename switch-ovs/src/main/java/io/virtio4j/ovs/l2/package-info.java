/**
 * Layer 2 state: the MAC learning table (FDB) keyed by (VLAN, MAC), and the concurrent learning
 * map it and the neighbour table share ({@link io.virtio4j.ovs.l2.LearningTable}).
 */
package io.virtio4j.ovs.l2;
