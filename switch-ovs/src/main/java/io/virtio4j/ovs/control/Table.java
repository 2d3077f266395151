package io.virtio4j.ovs.control;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows under a header, rendered with aligned columns the way {@code ovs-appctl fdb/show} prints:
 * text left-aligned, numeric columns right-aligned, two spaces between columns. Cells are
 * sanitised (control characters become '?') because their text can come from outside, e.g. a
 * counter label in a shared file, and a newline in a cell would break the control protocol's
 * line framing.
 */
public final class Table {
    private static final String GAP = "  ";

    private final String[] headers;
    private final List<Object[]> rows = new ArrayList<>();

    private Table(String[] headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.headers = headers.clone();
    }

    /** A table with these column headers. */
    public static Table of(String... headers) {
        return new Table(headers);
    }

    /** Adds a row; {@link Number} cells right-align their column; null prints empty. */
    public Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, the table " + headers.length
                    + " columns " + Arrays.toString(headers));
        }
        rows.add(cells.clone());
        return this;
    }

    /** Number of rows, the header not counted. */
    public int rowCount() {
        return rows.size();
    }

    /** The column headers. */
    public List<String> headers() {
        return List.of(headers);
    }

    /** The text of cell {@code column} in row {@code row}, as rendered (sanitised, unpadded). */
    public String cell(int row, int column) {
        return text(rows.get(row)[column]);
    }

    /** The header line then one line per row, trailing spaces trimmed. */
    public List<String> lines() {
        int columns = headers.length;
        int[] width = new int[columns];
        boolean[] numeric = new boolean[columns];
        for (int c = 0; c < columns; c++) {
            width[c] = text(headers[c]).length();
            numeric[c] = !rows.isEmpty();
            for (Object[] row : rows) {
                width[c] = Math.max(width[c], text(row[c]).length());
                numeric[c] &= row[c] == null || row[c] instanceof Number;
            }
        }
        List<String> lines = new ArrayList<>(rows.size() + 1);
        lines.add(line(headers, width, numeric));
        for (Object[] row : rows) {
            lines.add(line(row, width, numeric));
        }
        return lines;
    }

    /** All lines, each ending in a newline. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (String line : lines()) {
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    private static String line(Object[] cells, int[] width, boolean[] numeric) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                sb.append(GAP);
            }
            String t = text(cells[c]);
            String pad = " ".repeat(width[c] - t.length());
            sb.append(numeric[c] ? pad + t : t + pad);
        }
        return sb.toString().stripTrailing();
    }

    private static String text(Object cell) {
        if (cell == null) {
            return "";
        }
        String s = cell.toString();
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                if (sb == null) {
                    sb = new StringBuilder(s);
                }
                sb.setCharAt(i, '?');
            }
        }
        return sb == null ? s : sb.toString();
    }
}
