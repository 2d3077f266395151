package io.virtio4j.ovs.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code ```ini} blocks of docs/switch-config.md, so the documented configs are the tested ones. */
public final class ConfigDoc {
    private static final String INI = "```ini\n";

    private ConfigDoc() {
    }

    /** Block {@code index} (0: the full example, 1: the minimal two-port config); tests run in the module directory. */
    public static String iniBlock(int index) throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "switch-config.md"));
        int start = -1;
        for (int i = 0; i <= index; i++) {
            start = doc.indexOf(INI, start + 1);
            if (start < 0) {
                throw new AssertionError("docs/switch-config.md has no ```ini block number " + index);
            }
        }
        return doc.substring(start + INI.length(), doc.indexOf("```", start + INI.length()));
    }
}
