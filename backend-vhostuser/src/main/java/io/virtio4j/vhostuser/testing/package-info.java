/**
 * Test and demo support, not API: exported to the samples module only (the demo's guests); other
 * modules' tests use it on the class path. An in-process guest NIC that drives its own rings and
 * hands them to a vhost-user back-end, the way DPDK's virtio-user driver does. Tests of other
 * modules and the samples use it to put real vhost-user peers on a switch without a VM. It trusts
 * the back-end it attaches to; it is not a hardened guest driver.
 */
package io.virtio4j.vhostuser.testing;
