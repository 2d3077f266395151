package io.virtio4j.ovs.control;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import io.virtio4j.ovs.VirtualSwitch;

/**
 * {@code ctl capture} (start a capture of one port into a pcap file, like {@code ovs-tcpdump})
 * and {@code ctl captures} (the running and the last finished ones). A capture runs on its own
 * writer thread and ends by itself at its frame count or time limit; {@link #close()} ends the
 * running ones when the switch stops.
 */
final class CaptureCommands implements AutoCloseable {
    /** Finished captures {@code ctl captures} still shows. */
    private static final int KEPT = 16;

    private final VirtualSwitch sw;
    private final Deque<CaptureSession> sessions = new ArrayDeque<>();

    private CaptureCommands(VirtualSwitch sw) {
        this.sw = sw;
    }

    /** Registers {@code capture} and {@code captures} for {@code sw}; the result stops running captures. */
    static CaptureCommands register(CommandRegistry registry, VirtualSwitch sw) {
        CaptureCommands commands = new CaptureCommands(sw);
        sw.captures().onSwitchStop(commands::close);
        registry.registerWithArguments("capture", commands::capture);
        registry.register("captures", commands::table);
        return commands;
    }

    private Table capture(List<String> words) {
        CaptureRequest request = CaptureRequest.parse(words);
        try {
            sw.port(request.port());
        } catch (IllegalArgumentException e) {
            throw new ControlException("no port " + request.port() + "; ctl ports lists them");
        }
        // By name: the capture follows the port across live reconfigurations, and ends if it is removed.
        CaptureSession session = CaptureSession.start(request, sw.captures());
        synchronized (sessions) {
            sessions.addFirst(session);
            while (sessions.size() > KEPT) {
                CaptureSession oldest = sessions.peekLast();
                if (oldest.running()) {
                    break;
                }
                sessions.removeLast();
            }
        }
        return Table.of("port", "direction", "count", "seconds", "file").row(request.port(), request.direction(),
                request.count(), request.seconds().toSeconds(), request.file().toString());
    }

    private Table table() {
        Table table = Table.of("port", "direction", "state", "frames", "bytes", "not_captured", "file");
        synchronized (sessions) {
            sessions.forEach(s -> table.row(s.row()));
        }
        return table;
    }

    /** Ends every running capture, writing what it holds. */
    @Override
    public void close() {
        List<CaptureSession> all;
        synchronized (sessions) {
            all = new ArrayList<>(sessions);
        }
        all.forEach(CaptureSession::stop);
    }
}
