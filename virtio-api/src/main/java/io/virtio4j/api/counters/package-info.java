/**
 * One counter model for devices, back-ends and the switch: each set of counters is an enum of
 * {@link io.virtio4j.api.counters.CounterDescriptor}s whose values live in Agrona counters
 * ({@link io.virtio4j.api.counters.CounterSet}). A set is allocated in the switch's counters file
 * when it runs inside the switch, or in a small private {@code CountersManager} otherwise; either
 * way it is read one way, through Agrona's {@code CountersReader} or the set's own getters.
 */
package io.virtio4j.api.counters;
