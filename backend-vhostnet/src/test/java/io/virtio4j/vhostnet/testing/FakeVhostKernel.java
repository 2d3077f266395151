package io.virtio4j.vhostnet.testing;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.virtio4j.api.platform.Errno;
import io.virtio4j.api.platform.NativeException;
import io.virtio4j.api.platform.Platform;
import io.virtio4j.vhostnet.VhostNetDevice;
import io.virtio4j.vhostnet.bindings.VhostRequests;

/**
 * A mocked {@link Platform} that plays the kernel's side of {@code /dev/vhost-net}: opens hand out
 * fds from 100 up, every ioctl is recorded with a copy of its argument bytes, the GET requests
 * answer with the values set here, and any request can be made to fail with an errno.
 */
public final class FakeVhostKernel {
    /** One recorded call: the fd, the request's name (from {@link VhostRequests}), the argument bytes or value. */
    public record Call(int fd, String request, byte[] arg, long value) {
        @Override
        public String toString() {
            return fd + " " + request;
        }

        public int intAt(int offset) {
            return MemorySegment.ofArray(arg).get(ValueLayout.JAVA_INT_UNALIGNED, offset);
        }

        public long longAt(int offset) {
            return MemorySegment.ofArray(arg).get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
        }
    }

    private static final Map<Long, String> NAMES = requestNames();

    public final Platform platform = mock(Platform.class);
    public final List<Call> calls = new ArrayList<>();
    public final List<Integer> closed = new ArrayList<>();
    public long features = 0x33d008000L;
    /** GET_BACKEND_FEATURES' answer; null makes it fail with ENOTTY (a kernel before 5.7). */
    public Long backendFeatures = 0x2L;
    /** GET_VRING_BASE's answer per ring index. */
    public final int[] vringBase = new int[2];
    /** Request name to the errno it fails with. */
    public final Map<String, Integer> failures = new HashMap<>();
    public Integer openErrno;
    private int nextFd = 100;

    public FakeVhostKernel() {
        doAnswer(inv -> {
            if (openErrno != null) {
                throw new NativeException("open", inv.getArgument(0), openErrno);
            }
            return nextFd++;
        }).when(platform).open(eq(VhostNetDevice.PATH), anyInt());
        doAnswer(inv -> {
            int fd = inv.getArgument(0);
            long request = inv.getArgument(1);
            MemorySegment arg = inv.getArgument(2);
            String name = name(request);
            calls.add(new Call(fd, name, arg.toArray(ValueLayout.JAVA_BYTE), 0));
            fail(name);
            // In bounds: each answer writes within the argument the request carries (8 bytes for all three).
            switch (name) {
                case "GET_FEATURES" -> arg.set(ValueLayout.JAVA_LONG, 0, features);
                case "GET_BACKEND_FEATURES" -> arg.set(ValueLayout.JAVA_LONG, 0, backendFeatures);
                case "GET_VRING_BASE" -> arg.set(ValueLayout.JAVA_INT, 4, vringBase[arg.get(ValueLayout.JAVA_INT, 0)]);
                default -> { }
            }
            return 0;
        }).when(platform).ioctl(anyInt(), anyLong(), any(MemorySegment.class));
        doAnswer(inv -> {
            String name = name(inv.getArgument(1));
            calls.add(new Call(inv.getArgument(0), name, new byte[0], inv.getArgument(2)));
            fail(name);
            return 0;
        }).when(platform).ioctl(anyInt(), anyLong(), anyLong());
        doAnswer(inv -> closed.add(inv.getArgument(0))).when(platform).close(anyInt());
    }

    private void fail(String name) {
        if ("GET_BACKEND_FEATURES".equals(name) && backendFeatures == null) {
            throw new NativeException("ioctl", Errno.ENOTTY);
        }
        Integer errno = failures.get(name);
        if (errno != null) {
            throw new NativeException("ioctl", errno);
        }
    }

    /** The calls as "fd NAME" strings, for comparing whole sequences. */
    public List<String> sequence() {
        return calls.stream().map(Call::toString).toList();
    }

    /** The recorded calls named {@code request}. */
    public List<Call> named(String request) {
        return calls.stream().filter(c -> c.request().equals(request)).toList();
    }

    private static String name(long request) {
        String name = NAMES.get(request);
        if (name == null) {
            throw new AssertionError("unknown vhost request 0x" + Long.toHexString(request));
        }
        return name;
    }

    private static Map<Long, String> requestNames() {
        Map<Long, String> names = new HashMap<>();
        for (Field f : VhostRequests.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == long.class) {
                try {
                    names.put(f.getLong(null), f.getName());
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return names;
    }
}
