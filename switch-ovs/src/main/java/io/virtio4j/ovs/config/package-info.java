/**
 * The switch's INI config file to a {@code SwitchSpec}: {@link io.virtio4j.ovs.config.SwitchConfigReader}
 * reads it, and every mistake is a {@link io.virtio4j.ovs.config.ConfigException} with the file, the line
 * and the fix (a mistyped name gets backend-spi's did-you-mean). docs/switch-config.md is the reference.
 */
package io.virtio4j.ovs.config;
