/** Event notifiers: kicks (driver to device) and calls (device to driver), eventfd-backed or in memory, and waiting on many. */
package io.virtio4j.api.notify;
