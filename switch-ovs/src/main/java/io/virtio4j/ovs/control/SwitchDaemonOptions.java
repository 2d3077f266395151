package io.virtio4j.ovs.control;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The daemon's command line: {@code ./virtio4j switch --config FILE}.
 *
 * @param config the switch config file (format: docs/switch-config.md)
 */
public record SwitchDaemonOptions(Path config) {
    /** The one-line usage that every command-line mistake ends with. */
    public static final String USAGE = "usage: ./virtio4j switch --config FILE   (the format is in docs/switch-config.md)";

    /** Checks that a config file is given. */
    public SwitchDaemonOptions {
        Objects.requireNonNull(config, "config");
    }

    /** Parses the arguments after {@code switch}; a mistake is a {@link ControlException} that ends with the usage. */
    public static SwitchDaemonOptions parse(String[] args) {
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value;
            if (arg.equals("--config")) {
                if (i + 1 == args.length || args[i + 1].isEmpty()) {
                    throw new ControlException("--config needs a file; " + USAGE);
                }
                value = args[++i];
            } else if (arg.startsWith("--config=") && arg.length() > "--config=".length()) {
                value = arg.substring("--config=".length());
            } else {
                throw new ControlException("unexpected argument '" + arg + "'; " + USAGE);
            }
            if (config != null) {
                throw new ControlException("--config given twice; " + USAGE);
            }
            config = Path.of(value);
        }
        if (config == null) {
            throw new ControlException("--config is required; " + USAGE);
        }
        if (!Files.isRegularFile(config)) {
            throw new ControlException("config file " + config + " does not exist or is not a file; " + USAGE);
        }
        return new SwitchDaemonOptions(config);
    }
}
