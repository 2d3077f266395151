package io.virtio4j.samples.guest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

import io.virtio4j.spi.testing.MmioNetDriver;

/**
 * backend-spi's in-process virtio-mmio driver (queue pair 0) as a {@link NicDriver}: frames go
 * out behind a zeroed virtio-net header (no offloads asked for), come in with the header cut off.
 */
public final class MmioNicDriver implements NicDriver {
    private final MmioNetDriver driver;
    private final MemorySegment out;

    public MmioNicDriver(MmioNetDriver driver, Arena arena) {
        this.driver = driver;
        this.out = arena.allocate(MmioNetDriver.HEADER + TinyIpStack.MAX_FRAME, 8);
    }

    @Override
    public boolean send(MemorySegment frame, int length) {
        if (length > TinyIpStack.MAX_FRAME) {
            throw new IllegalArgumentException("a " + length + "-byte frame is longer than " + TinyIpStack.MAX_FRAME);
        }
        // In bounds: out holds HEADER + MAX_FRAME bytes and length <= MAX_FRAME was checked above.
        out.asSlice(0, MmioNetDriver.HEADER).fill((byte) 0);
        MemorySegment.copy(frame, 0, out, MmioNetDriver.HEADER, length);
        if (!driver.send(0, out.asSlice(0, MmioNetDriver.HEADER + length))) {
            return false;
        }
        driver.flush(0);
        return true;
    }

    @Override
    public int receive(Consumer<MemorySegment> frames) {
        // The driver reassembled the frame and checked its buffers; a frame shorter than the header is skipped.
        return driver.receive(0, (pair, frame, buffers) -> {
            if (frame.byteSize() >= MmioNetDriver.HEADER) {
                frames.accept(frame.asSlice(MmioNetDriver.HEADER));
            }
        });
    }
}
