package io.virtio4j.ovs.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits INI text into sections: {@code [kind name]} headers, {@code key = value} lines, and
 * {@code #} comments (a whole line, or after whitespace at the end of a line). It knows nothing of
 * what the sections mean; {@link SwitchConfigReader} does.
 */
final class IniParser {
    /** Longer lines are refused: no sane config needs them, and a binary file fed by mistake has them. */
    static final int MAX_LINE = 4096;

    private final String file;

    IniParser(String file) {
        this.file = file;
    }

    List<IniSection> parse(String text) {
        List<IniSection> sections = new ArrayList<>();
        String kind = null;
        String name = null;
        int headerLine = 0;
        Map<String, IniEntry> entries = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = stripComment(lines[i], lineNo).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("[")) {
                if (kind != null) {
                    sections.add(new IniSection(kind, name, headerLine, entries));
                }
                String[] header = header(line, lineNo);
                kind = header[0];
                name = header[1];
                headerLine = lineNo;
                entries = new LinkedHashMap<>();
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new ConfigException(file, lineNo, "'" + line + "' is neither a [section] nor key = value; write key = value");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (kind == null) {
                throw new ConfigException(file, lineNo, "key '" + key + "' comes before any section; put it under [switch]");
            }
            // '.', '_' and '$' for log-level.LOGGER (a package or class name); sections refuse keys they do not know.
            if (key.isEmpty() || !key.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_'
                    || c == '$')) {
                throw new ConfigException(file, lineNo, "'" + key + "' is not a key; keys are words like pmd-threads");
            }
            IniEntry previous = entries.put(key, new IniEntry(key, value, lineNo));
            if (previous != null) {
                throw new ConfigException(file, lineNo, "key '" + key + "' is set twice in " + IniSection.title(kind, name)
                        + " (first on line " + previous.line() + "); keep one");
            }
        }
        if (kind != null) {
            sections.add(new IniSection(kind, name, headerLine, entries));
        }
        return sections;
    }

    private String stripComment(String raw, int lineNo) {
        if (raw.length() > MAX_LINE) {
            throw new ConfigException(file, lineNo, "line is " + raw.length() + " characters long (at most " + MAX_LINE
                    + "); is this a config file?");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '#' && (i == 0 || Character.isWhitespace(raw.charAt(i - 1)))) {
                return raw.substring(0, i);
            }
            if (Character.isISOControl(c) && c != '\t') {
                throw new ConfigException(file, lineNo, "control character 0x" + Integer.toHexString(c)
                        + " in the line; a config file is plain text");
            }
        }
        return raw;
    }

    private String[] header(String line, int lineNo) {
        if (!line.endsWith("]")) {
            throw new ConfigException(file, lineNo, "section header '" + line + "' has no closing ']'; write [kind name]");
        }
        String[] words = line.substring(1, line.length() - 1).strip().split("\\s+");
        if (words.length > 2 || words[0].isEmpty()) {
            throw new ConfigException(file, lineNo, "section header '" + line
                    + "' must be [kind] or [kind name] with a name of one word");
        }
        return new String[] {words[0], words.length == 2 ? words[1] : ""};
    }
}
