/**
 * Low-level FFM bindings to glibc, kept apart from the hand-written wrappers as jextract output
 * would be: downcall handles with errno capture ({@link io.virtio4j.api.platform.bindings.LibC})
 * and the kernel struct layouts callers fill in ({@link io.virtio4j.api.platform.bindings.IoVec},
 * {@link io.virtio4j.api.platform.bindings.EpollEvent}). Use
 * {@link io.virtio4j.api.platform.Platform} for the calls: it validates what these do not.
 */
package io.virtio4j.api.platform.bindings;
