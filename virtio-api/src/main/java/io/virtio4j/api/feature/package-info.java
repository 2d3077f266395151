/** Virtio feature bits (transport and net device), their names, and negotiation with the spec's dependency rules. */
package io.virtio4j.api.feature;
