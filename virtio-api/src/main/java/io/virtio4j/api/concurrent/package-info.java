/** Small concurrency helpers shared by the backends (stopping worker threads). */
package io.virtio4j.api.concurrent;
