/** The device status field and its state machine (virtio 1.2 sections 2.1 and 3.1). */
package io.virtio4j.api.status;
