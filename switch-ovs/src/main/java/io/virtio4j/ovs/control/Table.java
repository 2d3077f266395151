package io.virtio4j.ovs.control;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Rows under a header, rendered with aligned columns the way {@code ovs-appctl fdb/show} prints:
 * text left-aligned, numeric columns right-aligned, two spaces between columns. Cells are
 * sanitised (control characters become '?') because their text can come from outside, e.g. a
 * counter label in a shared file, and a newline in a cell would break the control protocol's
 * line framing.
 *
 * <p>Every header and cell is one token, so {@code awk '{print $3}'} finds the third column on
 * every line: an empty or null cell prints {@value #EMPTY}, and blanks inside a cell become
 * '_'. Only a table declared with {@link #freeTextLast()} (the {@code help} text, the
 * {@code flows}) keeps blanks in its last column, which {@code awk} still reaches as the rest of
 * the line.
 *
 * <p>{@link #json()} renders the same rows for scripts: one object per row, keyed by
 * {@link #fieldName} of each header, numbers as numbers and empty cells as null.
 */
public final class Table {
    private static final String GAP = "  ";
    /** What an empty or null cell prints, so it still counts as a column. */
    public static final String EMPTY = "-";

    private final String[] headers;
    private final List<Object[]> rows = new ArrayList<>();
    private boolean freeTextLast;

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

    /** Lets the last column keep blanks inside its cells (free text such as a help line); returns this table. */
    public Table freeTextLast() {
        freeTextLast = true;
        return this;
    }

    /** Adds a row; {@link Number} cells right-align their column; null prints {@value #EMPTY}. */
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
        return text(rows.get(row)[column], oneToken(column));
    }

    /** The cell value as added (a {@link Number}, a string, or null), for renderings other than text. */
    Object value(int row, int column) {
        return rows.get(row)[column];
    }

    private boolean oneToken(int column) {
        return !(freeTextLast && column == headers.length - 1);
    }

    /** The header line then one line per row, trailing spaces trimmed. */
    public List<String> lines() {
        int columns = headers.length;
        int[] width = new int[columns];
        boolean[] numeric = new boolean[columns];
        for (int c = 0; c < columns; c++) {
            width[c] = text(headers[c], true).length();
            numeric[c] = !rows.isEmpty();
            for (Object[] row : rows) {
                width[c] = Math.max(width[c], text(row[c], oneToken(c)).length());
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

    /**
     * The JSON field name of a header: lower case, {@code %} as {@code pct}, {@code /} as
     * {@code _per_}, any other character outside {@code [a-z0-9_]} as {@code _}
     * ({@code busy_ns/frame} is {@code busy_ns_per_frame}, {@code gateway_MAC} is {@code gateway_mac}).
     */
    public static String fieldName(String header) {
        String lower = header.toLowerCase(Locale.ROOT).replace("%", "pct").replace("/", "_per_");
        return lower.replaceAll("[^a-z0-9_]", "_");
    }

    /** The rows as one line of JSON: an array with one object per row, fields in column order. */
    public String json() {
        StringBuilder sb = new StringBuilder("[");
        for (int r = 0; r < rows.size(); r++) {
            sb.append(r == 0 ? "{" : ",{");
            Object[] row = rows.get(r);
            for (int c = 0; c < headers.length; c++) {
                if (c > 0) {
                    sb.append(',');
                }
                jsonString(sb, fieldName(headers[c]));
                sb.append(':');
                jsonValue(sb, row[c]);
            }
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    private static void jsonValue(StringBuilder sb, Object cell) {
        if (cell instanceof Double d && (d.isNaN() || d.isInfinite())) {
            sb.append("null");
        } else if (cell instanceof Number n) {
            sb.append(n);
        } else if (cell == null) {
            sb.append("null");
        } else {
            jsonString(sb, cell.toString());
        }
    }

    /** A JSON string: quotes, backslashes and every control character escaped, so the reply stays one line. */
    private static void jsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') {
                sb.append('\\').append(ch);
            } else if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0) || ch == 0x2028 || ch == 0x2029) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        sb.append('"');
    }

    private String line(Object[] cells, int[] width, boolean[] numeric) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                sb.append(GAP);
            }
            String t = text(cells[c], oneToken(c));
            String pad = " ".repeat(width[c] - t.length());
            sb.append(numeric[c] ? pad + t : t + pad);
        }
        return sb.toString().stripTrailing();
    }

    private static String text(Object cell, boolean oneToken) {
        String s = cell == null ? "" : cell.toString();
        if (s.isEmpty()) {
            return oneToken ? EMPTY : s;
        }
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            char replacement = Character.isISOControl(ch) ? '?' : oneToken && Character.isWhitespace(ch) ? '_' : ch;
            if (replacement != ch) {
                if (sb == null) {
                    sb = new StringBuilder(s);
                }
                sb.setCharAt(i, replacement);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
