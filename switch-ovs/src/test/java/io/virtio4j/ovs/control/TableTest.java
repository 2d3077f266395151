package io.virtio4j.ovs.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void alignsTextLeftAndNumbersRightLikeOvsAppctl() {
        Table t = Table.of("port", "VLAN", "MAC", "Age").row("vm1", 10, "02:00:00:00:01:0a", 3)
                .row("router", 4094, "02:00:00:00:01:fe", 120);
        assertEquals(List.of(
                "port    VLAN  MAC                Age",
                "vm1       10  02:00:00:00:01:0a    3",
                "router  4094  02:00:00:00:01:fe  120"), t.lines());
        assertEquals(String.join("\n", t.lines()) + "\n", t.render());
        assertEquals(2, t.rowCount());
    }

    @Test
    void aHeaderOnlyTableHasOneLineAndNullCellsPrintADash() {
        assertEquals(List.of("a  b"), Table.of("a", "b").lines());
        assertEquals(List.of("a  b", "x  -"), Table.of("a", "b").row("x", null).lines());
    }

    @Test
    void everyCellIsOneTokenSoAwkCountsColumnsOnEveryLine() {
        Table t = Table.of("port", "out VLAN", "gateway", "VLAN").row("vm1", 10, "", "trunk 10,20").row("vm2", null, "x y", "20");
        for (String line : t.lines()) {
            assertEquals(4, line.trim().split("\\s+").length, line);
        }
        assertEquals(List.of(
                "port  out_VLAN  gateway  VLAN",
                "vm1         10  -        trunk_10,20",
                "vm2          -  x_y      20"), t.lines());
        assertEquals("-", t.cell(0, 2));
    }

    @Test
    void aFreeTextLastColumnKeepsItsBlanks() {
        Table t = Table.of("command", "help").freeTextLast().row("ports", "every port and its counters").row("x", "");
        assertEquals(List.of("command  help", "ports    every port and its counters", "x"), t.lines());
    }

    @Test
    void controlCharactersInCellsCannotBreakTheLineFraming() {
        Table t = Table.of("label").row("port:evil\nEND\r\u0000");
        assertEquals(List.of("label", "port:evil?END??"), t.lines());
        assertEquals("port:evil?END??", t.cell(0, 0));
    }

    @Test
    void rowsMustMatchTheColumns() {
        assertThrows(IllegalArgumentException.class, () -> Table.of("a", "b").row("only one"));
        assertThrows(IllegalArgumentException.class, Table::of);
    }
}
