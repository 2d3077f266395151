/**
 * The {@code ipforward} L3 strategy's gateway namespace ({@link io.virtio4j.ovs.gateway.GatewayNamespace}):
 * one TAP per subnet moved into a network namespace where the kernel routes between them, with
 * forwarding enabled there only. Needs CAP_NET_ADMIN ({@link io.virtio4j.ovs.gateway.NetAdminCapability}).
 */
package io.virtio4j.ovs.gateway;
