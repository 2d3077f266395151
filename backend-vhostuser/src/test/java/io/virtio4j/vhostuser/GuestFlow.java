package io.virtio4j.vhostuser;

import java.util.Arrays;

import io.virtio4j.vhostuser.testing.GuestNic;

/** Frames one guest NIC transmits, expected in order and byte-exact in another's (or its own) RX ring. */
final class GuestFlow {
    private final GuestNic from;
    private final GuestNic to;
    private final byte[][] inFlight = new byte[GuestNic.QSIZE][];
    int sent;
    int arrived;
    int bad;

    GuestFlow(GuestNic from, GuestNic to) {
        this.from = from;
        this.to = to;
    }

    /** Tops up the window, kicks, reclaims; returns how many frames arrived. */
    int pump() {
        while (sent - arrived < 64) {
            byte[] frame = GuestNic.frame(64 + sent % 64, sent);
            if (!from.transmit(frame)) {
                break;
            }
            inFlight[sent++ % GuestNic.QSIZE] = frame;
        }
        from.kickTx();
        from.reclaimTx();
        return to.receive((seg, len) -> {
            byte[] expected = inFlight[arrived++ % GuestNic.QSIZE];
            if (!Arrays.equals(expected, GuestNic.payload(seg, len))) {
                bad++;
            }
        });
    }

    @Override
    public String toString() {
        return "sent " + sent + ", arrived " + arrived + ", bad " + bad;
    }
}
