/**
 * The switch as configured: immutable records the config-file reader produces and a Java program
 * can build directly. Addresses are primitives (IPv4 in an int, MAC in a long) so the data path's
 * tables hold no objects per entry.
 */
package io.virtio4j.ovs.model;
