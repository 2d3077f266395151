package io.virtio4j.api.status;

import static io.virtio4j.api.status.DeviceStatus.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import org.junit.jupiter.api.Test;

class DeviceStatusMachineTest {
    private final StatusListener listener = mock(StatusListener.class);
    private final DeviceStatusMachine machine = new DeviceStatusMachine(listener);

    @Test
    void theSpecOrderReachesDriverOk() {
        when(listener.featuresOk()).thenReturn(true);
        when(listener.driverOk()).thenReturn(true);
        assertEquals(StatusTransition.ACCEPTED, machine.write(ACKNOWLEDGE));
        assertEquals(StatusTransition.ACCEPTED, machine.write(ACKNOWLEDGE | DRIVER));
        assertTrue(machine.acceptsFeatureWrites());
        assertEquals(StatusTransition.ACCEPTED, machine.write(ACKNOWLEDGE | DRIVER | FEATURES_OK));
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK, machine.read());
        assertFalse(machine.acceptsFeatureWrites());
        assertEquals(StatusTransition.ACCEPTED, machine.write(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK));
        assertTrue(machine.isLive());
        verify(listener).driverOk();
    }

    @Test
    void refusedFeaturesLeaveFeaturesOkClearForReadBack() {
        when(listener.featuresOk()).thenReturn(false);
        machine.write(ACKNOWLEDGE);
        machine.write(ACKNOWLEDGE | DRIVER);
        assertEquals(StatusTransition.FEATURES_REFUSED, machine.write(ACKNOWLEDGE | DRIVER | FEATURES_OK));
        assertEquals(ACKNOWLEDGE | DRIVER, machine.read());
        assertEquals(StatusTransition.REJECTED, machine.write(ACKNOWLEDGE | DRIVER | DRIVER_OK));
        verify(listener, never()).driverOk();
    }

    @Test
    void skippedStepsAreRejectedAndChangeNothing() {
        assertEquals(StatusTransition.REJECTED, machine.write(DRIVER));
        assertEquals(StatusTransition.REJECTED, machine.write(ACKNOWLEDGE | FEATURES_OK));
        assertEquals(0, machine.read());
        machine.write(ACKNOWLEDGE);
        assertEquals(StatusTransition.REJECTED, machine.write(ACKNOWLEDGE | DRIVER | DRIVER_OK));
        assertEquals(ACKNOWLEDGE, machine.read());
        verify(listener, never()).featuresOk();
    }

    @Test
    void clearingABitOrSettingNeedsResetIsRejected() {
        machine.write(ACKNOWLEDGE);
        machine.write(ACKNOWLEDGE | DRIVER);
        assertEquals(StatusTransition.REJECTED, machine.write(ACKNOWLEDGE));
        assertEquals(StatusTransition.REJECTED, machine.write(ACKNOWLEDGE | DRIVER | DEVICE_NEEDS_RESET));
        assertEquals(StatusTransition.REJECTED, machine.write(ACKNOWLEDGE | DRIVER | 0x10));
        assertEquals(ACKNOWLEDGE | DRIVER, machine.read());
    }

    @Test
    void failedIsAllowedAnytimeAndThenOnlyResetHelps() {
        machine.write(ACKNOWLEDGE);
        assertEquals(StatusTransition.FAILED, machine.write(ACKNOWLEDGE | FAILED));
        assertEquals(StatusTransition.REJECTED, machine.write(ACKNOWLEDGE | FAILED | DRIVER));
        assertEquals(StatusTransition.RESET, machine.write(0));
        assertEquals(0, machine.read());
        verify(listener).reset();
    }

    @Test
    void deviceErrorsSetNeedsResetAndAFailedStartToo() {
        when(listener.featuresOk()).thenReturn(true);
        when(listener.driverOk()).thenReturn(false);
        machine.write(ACKNOWLEDGE);
        machine.write(ACKNOWLEDGE | DRIVER);
        machine.write(ACKNOWLEDGE | DRIVER | FEATURES_OK);
        assertEquals(StatusTransition.START_FAILED, machine.write(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK));
        assertEquals(DEVICE_NEEDS_RESET, machine.read() & DEVICE_NEEDS_RESET);
        assertFalse(machine.isLive());
        assertFalse(machine.needsReset());
        machine.write(0);
        assertFalse(machine.needsReset(), "a reset device has nothing to reset");
    }

    @Test
    void describeIsReadable() {
        assertEquals("RESET", DeviceStatus.describe(0));
        assertEquals("ACKNOWLEDGE|DRIVER|FEATURES_OK", DeviceStatus.describe(11));
    }
}
