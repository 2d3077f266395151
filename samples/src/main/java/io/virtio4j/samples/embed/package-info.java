/**
 * Small runnable programs for embedders, each with a test that runs it: {@code DeviceWithBackend}
 * (a virtio-net device with its backend chosen by a config string), {@code SwitchFromCode} (a
 * switch started from Java code), {@code KvmWiring} (a device's notifiers bound to KVM).
 */
package io.virtio4j.samples.embed;
