package io.virtio4j.samples.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.virtio4j.samples.testing.ProcessResources;
import io.virtio4j.samples.testing.SwitchProcess;
import io.virtio4j.testing.NeedsPeer;
import io.virtio4j.testing.Prerequisites;
import io.virtio4j.testing.qemu.GuestCommands;
import io.virtio4j.testing.qemu.GuestRun;
import io.virtio4j.testing.qemu.GuestSpec;
import io.virtio4j.testing.qemu.PingOutput;
import io.virtio4j.testing.qemu.QemuGuest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's restart loop with a real VM: a QEMU Linux guest ({@code scripts/qemu-guest.sh}, TCG)
 * whose vhost-user chardev listens ({@code server=on}), under the switch daemon as users start it
 * with a {@code vhost-user-client} port towards it. The daemon is killed with SIGKILL and started
 * again {@value #CYCLES} times while QEMU keeps running. Each cycle the guest pings the switch's
 * gateway address (the daemon answers the echo itself, so every reply crossed the port's two rings
 * in the new daemon), the new daemon's port counters show the traffic, and the daemon holds exactly
 * what the first start held with the guest connected (fds by kind, mappings of the guest's memory).
 * After each SIGKILL QEMU is still running and its guest sees the link go down, as it does when the
 * back-end leaves cleanly. A few cycles only: a TCG boot takes tens of seconds on a loaded 2-core
 * machine; {@link RestartLoopTest} does the 50 cycles with testpmd.
 */
@NeedsPeer
class QemuServerRestartLoopTest {
    private static final int CYCLES = 3;
    private static final String GATEWAY = "10.0.1.1";
    /** QEMU's own limit (the script kills it after this): boot plus every cycle, with room to spare. */
    private static final Duration GUEST_LIFE = Duration.ofSeconds(600);
    /** One cycle's pings, the first one's including the guest's boot (which waits for the switch). */
    private static final Duration ROUND = Duration.ofSeconds(240);
    /** From SIGKILL to the guest noticing its carrier gone. */
    private static final Duration LINK_DOWN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void theSwitchKilledUnderAListeningQemuGuestReconnectsEachTimeAndTheGuestsPingsGetThrough() throws Exception {
        Prerequisites.requireDebianGuest("the restart loop with a QEMU guest needs ");
        Path config = writeConfig();
        GuestSpec spec = new GuestSpec("vm", dir.resolve("vm.sock"), true, "52:54:00:00:01:10", "10.0.1.10/24", GATEWAY, 1, false,
                commands());
        long began = System.nanoTime();
        ProcessResources baseline = null;
        try (QemuGuest guest = QemuGuest.boot(spec, dir, GUEST_LIFE)) {
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                String at = "cycle " + cycle + ": ";
                long cycleStart = System.nanoTime();
                // QEMU waits for the first connection before it boots the guest (server=on); the
                // daemon's port retries every 200 ms until QEMU's socket is there.
                SwitchProcess daemon = SwitchProcess.start(config, dir.resolve("ctl.sock"), dir.resolve("switch.log"));
                try {
                    guest.awaitCommandDone(pingCommand(cycle), ROUND);
                    GuestRun sofar = new GuestRun(spec.name(), -1, guest.console(), "");
                    assertGatewayAnswered(sofar, cycle, at);
                    // This daemon's counters start at zero: the echo requests and their replies crossed it.
                    String[] port = daemon.port("vm");
                    assertEquals("connected", port[4], at + daemon.ctl("ports"));
                    assertTrue(Long.parseLong(port[7]) >= 3 && Long.parseLong(port[9]) >= 3,
                            at + "the new daemon carried the pings: " + daemon.ctl("ports"));
                    ProcessResources now = ProcessResources.settled(daemon.pid());
                    assertTrue(now.peerMappings() > 0, at + "the guest's memory is mapped: " + now);
                    if (baseline == null) {
                        baseline = now;
                        System.out.println("QemuServerRestartLoopTest: the switch with the guest connected holds " + baseline);
                    } else {
                        ProcessResources.awaitEqual(baseline, daemon.pid(), at + "the switch holds what the first start held",
                                daemon::tail);
                    }
                    daemon.kill();
                } finally {
                    daemon.close();
                }
                guest.awaitCommandDone(carrierCommand(cycle), LINK_DOWN);
                assertTrue(guest.isAlive(), at + "QEMU survived the switch's SIGKILL:\n" + guest.console());
                System.out.printf("QemuServerRestartLoopTest: cycle %d in %.1f s%n", cycle, (System.nanoTime() - cycleStart) / 1e9);
            }
            GuestRun run = guest.await(LINK_DOWN);
            System.out.printf("QemuServerRestartLoopTest: boot and %d switch restarts in %.1f s%n%s%n", CYCLES,
                    (System.nanoTime() - began) / 1e9, run.console());
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                assertEquals(0, run.commandStatus(carrierCommand(cycle)), "the guest saw its carrier drop after kill " + cycle
                        + ":\n" + run.commandOutput(carrierCommand(cycle)));
            }
            assertEquals(0, run.scriptExit(), run.scriptOutput());
        }
    }

    private Path writeConfig() throws IOException {
        // The switch routes (l3 = ovs-only) so that it owns the subnet's gateway address and answers
        // the guest's pings to it; the port reconnects every 200 ms (the default is 1 s).
        return SwitchProcess.writeConfig(dir, """
                l3 = ovs-only
                pmd-threads = 1
                [subnet office]
                prefix = 10.0.1.0/24
                vlan = 10
                gateway = %s
                gateway-mac = 02:00:00:00:01:01
                [port vm]
                type = vhost-user-client
                path = vm.sock
                vlan = 10
                reconnect = 200ms
                """.formatted(GATEWAY));
    }

    /**
     * Per cycle: wait until the gateway answers, ping it three times, wait until the link drops
     * (the daemon killed). The echoes are small ({@code -s 16}): the switch answers an echo only
     * when the whole request lies in the header bytes its pipeline sees. Then a short wait, so
     * that QEMU is certainly still running when the test looks after the last kill.
     */
    private static List<String> commands() {
        List<String> commands = new ArrayList<>();
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            commands.add(GuestCommands.untilReachable(GATEWAY, "-s 16"));
            commands.add("ping -c 3 -s 16 " + GATEWAY);
            commands.add(GuestCommands.UNTIL_CARRIER_LOST);
        }
        commands.add("sleep 3");
        return commands;
    }

    /** The guest's command numbers (1-based, three per cycle). */
    private static int pingCommand(int cycle) {
        return 3 * cycle + 2;
    }

    private static int carrierCommand(int cycle) {
        return 3 * cycle + 3;
    }

    private static void assertGatewayAnswered(GuestRun run, int cycle, String at) {
        int n = pingCommand(cycle);
        assertEquals(0, run.commandStatus(n - 1), at + "the gateway never answered:\n" + run.console());
        PingOutput ping = PingOutput.parse(run.commandOutput(n));
        assertEquals(0, run.commandStatus(n), at + run.commandOutput(n));
        assertEquals(3, ping.received(), at + "replies from the gateway:\n" + run.commandOutput(n));
        assertEquals(List.of(GATEWAY, GATEWAY, GATEWAY), ping.from(), at + run.commandOutput(n));
    }
}
