/** The native platform: the syscalls virtio4j needs, behind an interface so tests can mock every fd. */
package io.virtio4j.api.platform;
