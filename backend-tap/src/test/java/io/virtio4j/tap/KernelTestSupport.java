package io.virtio4j.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.testing.Prerequisites;

import java.util.SortedMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** Gates real-kernel tests on root, /dev/net/tun, ip and python3, and proves each test closed every fd it opened. */
abstract class KernelTestSupport {
    static final String PEER_MAC = "02:00:00:00:00:02";

    private SortedMap<Integer, String> fdsBefore;

    @BeforeAll
    static void prerequisitesAndWarmUp() {
        Prerequisites.requireRoot();
        Prerequisites.requirePath("/dev/net/tun", "the tun driver (modprobe tun)");
        Prerequisites.requireExecutable("ip", "install iproute2");
        Prerequisites.requireExecutable("python3", "install python3");
        TapFixture.warmUp();
    }

    @BeforeEach
    void countFds() {
        fdsBefore = TapFixture.openFds();
    }

    @AfterEach
    void noFdLeaked() {
        assertEquals(fdsBefore, TapFixture.openFds(), "fds open before and after the test");
    }
}
