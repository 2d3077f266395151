package io.virtio4j.ovs.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A change to a config file's text as {@code ctl add-port}, {@code del-port} and {@code set-port}
 * (and their subnet, route and neighbour forms) make it: a section appended, a section removed,
 * keys set in a section; every other line (comments, order, blank lines) stays as the operator
 * wrote it. The result is read by {@link SwitchConfigReader} like any file, and a problem it finds
 * is reported where it is: at the file's own line when it is in a line the edit kept, or at the
 * command's {@code key=value} word when it is in a line the edit wrote (see {@link #read}).
 */
public final class ConfigEdit {
    /** One line of the edited text: from the file (its 1-based line there) or written for a word of the command. */
    private record Line(String text, int fileLine, String word) {
    }

    private final String file;
    private final String command;
    private final List<Line> lines;
    private final List<IniSection> sections;

    private ConfigEdit(String file, String command, List<Line> lines) {
        this.file = file;
        this.command = command;
        this.lines = lines;
        this.sections = new IniParser(file).parse(joined(lines));
    }

    /**
     * The file {@code file} holding {@code text}, to be edited by {@code command} (as errors name
     * it, {@code add-port vm3}).
     *
     * @throws ConfigException if the file does not parse as it is (fix it first)
     */
    public static ConfigEdit of(String file, String text, String command) {
        List<Line> lines = new ArrayList<>();
        String[] raw = text.split("\r?\n", -1);
        int count = text.endsWith("\n") ? raw.length - 1 : raw.length;
        for (int i = 0; i < count; i++) {
            lines.add(new Line(raw[i], i + 1, null));
        }
        return new ConfigEdit(file, command, lines);
    }

    /** The edited text, as it is saved. */
    public String text() {
        return joined(lines);
    }

    private static String joined(List<Line> lines) {
        StringBuilder sb = new StringBuilder();
        lines.forEach(l -> sb.append(l.text()).append('\n'));
        return sb.toString();
    }

    /** The section {@code [kind name]}, or null. */
    private IniSection find(String kind, String name) {
        return sections.stream().filter(s -> s.kind().equals(kind) && s.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Appends {@code [kind name]} with {@code words} ({@code key=value} each, checked only for
     * form here: the reader checks them as it checks the file).
     *
     * @throws IllegalArgumentException if the section exists or a word is not {@code key=value}
     */
    public ConfigEdit addSection(String kind, String name, List<String> words) {
        IniSection existing = find(kind, name);
        if (existing != null) {
            throw new IllegalArgumentException(IniSection.title(kind, name) + " already exists (" + file + ":"
                    + existing.line() + "); change it with set-" + kind + " or remove it with del-" + kind + " first");
        }
        List<Line> out = new ArrayList<>(lines);
        out.add(new Line("", 0, null));
        out.add(new Line(IniSection.title(kind, name), 0, ""));
        for (String word : words) {
            String[] kv = split(word);
            out.add(new Line(kv[0] + " = " + kv[1], 0, word));
        }
        return new ConfigEdit(file, command, out);
    }

    /**
     * Removes {@code [kind name]}: its header, its keys and the comments among them, and the blank
     * lines after it.
     *
     * @throws IllegalArgumentException if there is no such section
     */
    public ConfigEdit removeSection(String kind, String name) {
        int[] range = range(kind, name);
        List<Line> out = new ArrayList<>(lines.subList(0, range[0]));
        int end = range[1];
        while (end < lines.size() && lines.get(end).text().isBlank()) {
            end++;
        }
        out.addAll(lines.subList(end, lines.size()));
        return new ConfigEdit(file, command, out);
    }

    /**
     * Sets {@code words} ({@code key=value}) in {@code [kind name]}: a key written there is replaced
     * on its line, a new one added after the section's last key; writing a key removes the keys
     * {@code exclusive} names for it (setting {@code vlan} removes {@code trunk}).
     *
     * @throws IllegalArgumentException if there is no such section or a word is not {@code key=value}
     */
    public ConfigEdit setKeys(String kind, String name, List<String> words, Map<String, Set<String>> exclusive) {
        int[] range = range(kind, name);
        IniSection section = find(kind, name);
        List<Line> out = new ArrayList<>(lines);
        int insertAt = range[1];
        List<Line> added = new ArrayList<>();
        List<Integer> drop = new ArrayList<>();
        for (String word : words) {
            String[] kv = split(word);
            Line line = new Line(kv[0] + " = " + kv[1], 0, word);
            IniEntry entry = section.entries().get(kv[0]);
            if (entry != null) {
                out.set(index(entry.line()), line);
            } else {
                added.add(line);
            }
            for (String other : exclusive.getOrDefault(kv[0], Set.of())) {
                IniEntry gone = section.entries().get(other);
                if (gone != null && words.stream().noneMatch(w -> split(w)[0].equals(other))) {
                    drop.add(index(gone.line()));
                }
            }
        }
        out.addAll(insertAt, added);
        drop.stream().sorted(java.util.Comparator.reverseOrder()).forEach(i -> out.remove((int) i));
        return new ConfigEdit(file, command, out);
    }

    /**
     * Reads the edited text as the file would be read ({@code baseDir}: the file's directory).
     *
     * @throws ConfigException   a problem in a line the edit kept, at that line of the file
     * @throws IllegalArgumentException a problem in a line the edit wrote: {@code COMMAND WORD: problem}
     */
    public SwitchConfig read(java.nio.file.Path baseDir) {
        try {
            return SwitchConfigReader.parse(file, text(), baseDir);
        } catch (ConfigException e) {
            String detail = e.getMessage().substring((e.line() > 0 ? e.file() + ":" + e.line() : e.file()).length() + 2);
            Line at = e.line() > 0 && e.line() <= lines.size() ? lines.get(e.line() - 1) : null;
            if (at == null || at.word() == null) {
                throw new ConfigException(file, at == null ? e.line() : at.fileLine(), detail);
            }
            throw new IllegalArgumentException(command + (at.word().isEmpty() ? "" : " " + at.word()) + ": " + detail);
        }
    }

    /** The line indices [header, after the last key) of {@code [kind name]}. */
    private int[] range(String kind, String name) {
        IniSection section = find(kind, name);
        if (section == null) {
            throw new IllegalArgumentException("there is no " + IniSection.title(kind, name) + " in " + file + "; the "
                    + kind + "s there: " + String.join(", ", sections.stream().filter(s -> s.kind().equals(kind))
                    .map(IniSection::name).toList()));
        }
        int last = section.line();
        for (IniEntry e : section.entries().values()) {
            last = Math.max(last, e.line());
        }
        return new int[] {index(section.line()), index(last) + 1};
    }

    /** The index in {@link #lines} of line {@code line} (1-based) of the current text. */
    private static int index(int line) {
        return line - 1;
    }

    /** {@code key=value} as key and value; the key in the form the file's keys take. */
    private String[] split(String word) {
        int eq = word.indexOf('=');
        if (eq <= 0 || eq == word.length() - 1) {
            throw new IllegalArgumentException(command + ": '" + word + "' is not key=value (for example vlan=10)");
        }
        String key = word.substring(0, eq);
        String value = word.substring(eq + 1);
        if (!key.matches("[a-z][a-z0-9-]{0,31}")) {
            throw new IllegalArgumentException(command + ": '" + key + "' is not a key; keys are words like vlan or queues");
        }
        if (!value.chars().allMatch(c -> c > ' ' && c != 0x7f && c != '#')) {
            throw new IllegalArgumentException(command + ": the value of " + key + " must be one word without '#'");
        }
        return new String[] {key, value};
    }
}
