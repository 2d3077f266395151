/**
 * VXLAN tunnel ports (RFC 7348): the switch's VLANs carried to other hosts as VNIs over plain UDP
 * sockets on the underlay, batched with recvmmsg/sendmmsg, every datagram validated before use,
 * remote MACs learned against the VTEP they came from, floods replicated to every VTEP.
 * docs/switch-config.md has the port's keys, docs/switch-datapath.md its data path.
 */
package io.virtio4j.ovs.vxlan;
