/**
 * Binding event notifiers to a KVM virtual machine (virtio4j's seed, section 3): a queue's kick
 * notifier becomes an ioeventfd (the guest's notify write signals it inside the kernel, with no
 * exit to user space) and the device's call notifier becomes an irqfd (signalling it injects the
 * guest interrupt). The VMM owns the VM fd; virtio4j only assigns and deassigns.
 */
package io.virtio4j.api.kvm;
