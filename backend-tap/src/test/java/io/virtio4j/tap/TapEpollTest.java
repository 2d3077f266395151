package io.virtio4j.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtio4j.api.platform.LinuxConstants;
import io.virtio4j.api.platform.LinuxPlatform;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.api.platform.bindings.EpollEvent;
import io.virtio4j.tap.testing.NetNs;
import io.virtio4j.tap.testing.TapFixture;
import io.virtio4j.testing.NeedsKernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

/** The queue fds work with epoll the way a device's I/O thread will use them: wait, then drain to WOULD_BLOCK. */
@NeedsKernel
class TapEpollTest extends KernelTestSupport {
    @Test
    void epollReportsEachQueueReadableOnlyWhileItHoldsFrames() {
        Platform platform = LinuxPlatform.instance();
        try (TapFixture tap = new TapFixture(2); NetNs ns = NetNs.create(); Arena arena = Arena.ofConfined()) {
            ns.configure(tap.name(), "10.199.9.1/24");
            ns.neighbour("10.199.9.2", PEER_MAC, tap.name());
            int epoll = platform.epollCreate();
            try {
                for (int q = 0; q < 2; q++) {
                    platform.epollCtl(epoll, LinuxConstants.EPOLL_CTL_ADD, tap.tap().queue(q).fd(), LinuxConstants.EPOLLIN, q);
                }
                MemorySegment events = arena.allocate(EpollEvent.arraySize(4), 8);
                assertEquals(0, platform.epollWait(epoll, events, 4, 50), "nothing queued yet");

                NetNs.await(ns.startScript("udp_send.py", "10.199.9.2", 9400, 64, 100, 16), 20);
                int frames = 0;
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (frames < 64 && System.nanoTime() < deadline) {
                    int ready = platform.epollWait(epoll, events, 4, 1000);
                    for (int i = 0; i < ready; i++) {
                        assertTrue((EpollEvent.events(events, i) & LinuxConstants.EPOLLIN) != 0);
                        int queue = (int) EpollEvent.data(events, i);
                        while (tap.poll(queue) >= 0) { // level-triggered: drain until WOULD_BLOCK
                            frames++;
                        }
                    }
                }
                assertEquals(64, frames);
                assertEquals(0, platform.epollWait(epoll, events, 4, 50), "drained queues are not readable");
            } finally {
                platform.close(epoll);
            }
        }
    }
}
