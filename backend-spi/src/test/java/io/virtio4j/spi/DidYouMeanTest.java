package io.virtio4j.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class DidYouMeanTest {
    private static final List<String> OPTIONS = List.of("path", "mode", "reconnect", "queues");

    @Test
    void aTypoGetsTheNearestValidName() {
        assertEquals(Optional.of("path"), DidYouMean.nearest("pth", OPTIONS));
        assertEquals(Optional.of("queues"), DidYouMean.nearest("queus", OPTIONS));
        assertEquals(Optional.of("reconnect"), DidYouMean.nearest("recconect", OPTIONS));
        assertEquals(" (did you mean 'path'?)", DidYouMean.hint("pth", OPTIONS));
    }

    @Test
    void caseIsIgnoredOnTheWrittenSide() {
        assertEquals(Optional.of("mode"), DidYouMean.nearest("MODE", OPTIONS));
        assertEquals(Optional.of("l3"), DidYouMean.nearest("L3", List.of("l3", "pmd-threads")));
    }

    @Test
    void anotherWordGetsNoSuggestion() {
        assertEquals(Optional.empty(), DidYouMean.nearest("vhost", OPTIONS));
        assertEquals("", DidYouMean.hint("mtu", OPTIONS));
        assertEquals("", DidYouMean.hint("anything", List.of()));
    }

    @Test
    void aTieGoesToTheFirstValidName() {
        // "pode" is one edit from both "mode" and "pote"; the caller's order decides.
        assertEquals(Optional.of("mode"), DidYouMean.nearest("pode", List.of("mode", "pote")));
        assertEquals(Optional.of("pote"), DidYouMean.nearest("pode", List.of("pote", "mode")));
    }

    @Test
    void editDistanceCountsATranspositionAsOneEdit() {
        assertEquals(1, DidYouMean.distance("vlna", "vlan"));
        assertEquals(0, DidYouMean.distance("vlan", "vlan"));
        assertEquals(3, DidYouMean.distance("abc", ""));
        assertEquals(2, DidYouMean.distance("path", "pht"));
    }

    @Test
    void aHugeNameIsNotCompared() {
        // A hostile config line: the length difference alone rules every candidate out, no table is built.
        String huge = "p".repeat(10_000_000);
        assertEquals(Optional.empty(), assertTimeoutPreemptively(Duration.ofSeconds(2), () -> DidYouMean.nearest(huge, OPTIONS)));
    }
}
