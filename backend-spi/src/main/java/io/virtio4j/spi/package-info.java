/**
 * The entry point for a VMM: choosing a network backend by a config string. {@link io.virtio4j.spi.NetBackends}
 * finds the installed {@link io.virtio4j.spi.NetBackendProvider}s through {@link java.util.ServiceLoader}
 * ({@code tap:}, {@code vhost-net:}, {@code vhost-user:}), validates a {@link io.virtio4j.spi.BackendSpec}
 * such as {@code vhost-user:path=/run/vm1.sock,mode=client} against the provider's declared
 * {@link io.virtio4j.spi.BackendOption}s into a {@link io.virtio4j.spi.BackendConfig}, and opens the
 * {@link io.virtio4j.spi.NetBackend} the device model hands its queues to. A bad spec is a
 * {@link io.virtio4j.spi.BackendConfigException} that lists what is valid and, for a typo, the nearest
 * name ({@link io.virtio4j.spi.DidYouMean}, shared with the switch's config file).
 *
 * <p>The device model is in {@code io.virtio4j.spi.net}, the virtio-mmio transport in
 * {@code io.virtio4j.spi.mmio}.
 */
package io.virtio4j.spi;
