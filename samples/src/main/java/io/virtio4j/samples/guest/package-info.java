/**
 * The demo's guests: a tiny IPv4 stack (ARP and ICMP echo, both ways) on an in-process virtio NIC,
 * either a vhost-user {@code GuestNic} or backend-spi's virtio-mmio driver.
 */
package io.virtio4j.samples.guest;
