/**
 * Logging what a hostile guest causes without letting it flood the log:
 * {@link io.virtio4j.api.log.RateLimitedLog} writes a refusal at most so often and counts what it
 * suppressed in between.
 */
package io.virtio4j.api.log;
