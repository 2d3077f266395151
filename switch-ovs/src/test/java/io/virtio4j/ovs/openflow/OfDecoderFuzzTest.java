package io.virtio4j.ovs.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.junit.jupiter.api.Tag;

import io.virtio4j.testing.TestGroups;

/**
 * Coverage-guided fuzzing of the OpenFlow decoder (Jazzer): any bytes a peer sends, cut at any
 * read boundary, are served or refused; nothing escapes the session, everything it sends is a
 * well-formed 1.3 message, every ERROR is counted, and only a failed negotiation or an
 * unframeable length ends the connection. The inputs under {@code OfDecoderFuzzTestInputs/} run
 * in every test run; scripts/fuzz.sh fuzzes for new ones.
 */
@Tag(TestGroups.FUZZ)
class OfDecoderFuzzTest {
    /** Negotiated at once, so the fuzzer spends its time past HELLO unless the input starts with its own. */
    private static final byte[] HELLO = {4, 0, 0, 8, 0, 0, 0, 1};

    @FuzzTest
    void anyBytesFromAPeerAreServedOrRefusedWithAnError(byte[] input) {
        if (input.length == 0) {
            return;
        }
        OfCounters counters = new OfCounters();
        List<ByteBuffer> sent = new ArrayList<>();
        FakeSwitchView view = new FakeSwitchView(4);
        OfSession session = new OfSession(view, counters, sent::add, "fuzz");
        OfFramer framer = new OfFramer(session);
        session.start();
        int chunk = 1 + (input[0] & 0x3f);
        boolean ownHello = (input[0] & 0x40) != 0;
        if (!ownHello) {
            framer.feed(ByteBuffer.wrap(HELLO), chunk);
        }
        framer.feed(ByteBuffer.wrap(input, 1, input.length - 1), chunk);
        view.flows().close(); // a flow with a timeout started a sweeper: one per input would pile up

        long errors = 0;
        long helloFailed = 0;
        for (ByteBuffer m : sent) {
            assertTrue(m.remaining() >= 8, "a message has its header");
            assertEquals(4, m.get(m.position()), "every message is 1.3");
            assertEquals(m.remaining(), m.getShort(m.position() + 2) & 0xffff, "the length field is the message's");
            if (m.get(m.position() + 1) == OfProtocol.ERROR) {
                errors++;
                helloFailed += m.getShort(m.position() + 8) == OfProtocol.ET_HELLO_FAILED ? 1 : 0;
                assertTrue(m.remaining() >= 12 && m.remaining() <= 12 + Math.max(OfProtocol.ERROR_DATA_BYTES, 200));
            }
        }
        assertEquals(errors, counters.errorsSent(), "every ERROR sent is counted");
        assertEquals(sent.size(), counters.messagesOut(), "every message sent is counted");
        // Every refusal is counted once, as malformed, unsupported or refused by role; a failed negotiation
        // (HELLO_FAILED, at most one) ends the session instead.
        assertTrue(helloFailed <= 1);
        assertEquals(errors - helloFailed, counters.malformed() + counters.unsupported() + counters.refusedByRole(),
                "every ERROR has one reason counted");
        if (session.closed()) {
            assertTrue(counters.closedByProtocol() == 1, "the session ends only for a protocol failure, counted");
        }
    }
}
