package io.virtio4j.tap.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throw-away network namespace for real-kernel tests, driven with iproute2. Created with a name
 * unique to this JVM ({@code v4j-<pid>-<n>}), deleted in {@link #close()} together with every
 * process started in it. Sockets inside the namespace are opened by helper processes
 * ({@code ip netns exec NS python3 script}) rather than setns on a JVM thread: a process cannot leak
 * the JVM into the wrong namespace, and it dies with the test. IPv6 is disabled in the namespace
 * so router solicitations do not mix with the frames a test counts.
 */
public final class NetNs implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final String name;
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> scripts = new ArrayList<>();

    private NetNs(String name) {
        this.name = name;
    }

    /**
     * A fresh namespace that holds {@code link} at {@code cidr}, with a static neighbour entry so
     * frames to {@code peerIp} leave through the link to {@code peerMac}. Deleted again if the
     * setup fails.
     */
    public static NetNs withLink(String link, String cidr, String peerIp, String peerMac) {
        NetNs ns = create();
        try {
            ns.configure(link, cidr);
            ns.neighbour(peerIp, peerMac, link);
            return ns;
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /** Creates a fresh namespace with loopback up and IPv6 off. */
    public static NetNs create() {
        NetNs ns = new NetNs("v4j-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet());
        run(List.of("ip", "netns", "add", ns.name));
        try {
            ns.exec("ip", "link", "set", "lo", "up");
            ns.exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
            ns.exec("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    public String name() {
        return name;
    }

    /** Moves {@code link} from the test's namespace into this one. */
    public void moveLink(String link) {
        run(List.of("ip", "link", "set", "dev", link, "netns", name));
    }

    /** Moves {@code link} in, gives it {@code cidr} and brings it up. */
    public void configure(String link, String cidr) {
        moveLink(link);
        exec("ip", "addr", "add", cidr, "dev", link);
        exec("ip", "link", "set", "dev", link, "up");
    }

    /** A static neighbour entry, so frames to a peer that does not exist leave through {@code link} without ARP. */
    public void neighbour(String ip, String mac, String link) {
        exec("ip", "neigh", "replace", ip, "lladdr", mac, "dev", link, "nud", "permanent");
    }

    /** The MAC address of {@code link} inside the namespace. */
    public String mac(String link) {
        return exec("cat", "/sys/class/net/" + link + "/address").strip();
    }

    /** A counter of {@code link}'s /sys/class/net/LINK/statistics. */
    public long statistic(String link, String counter) {
        return Long.parseLong(exec("cat", "/sys/class/net/" + link + "/statistics/" + counter).strip());
    }

    /** A counter of the namespace's /proc/net/snmp, e.g. ("Udp", "InCsumErrors"). */
    public long snmp(String protocol, String counter) {
        String[] lines = exec("cat", "/proc/net/snmp").lines().filter(l -> l.startsWith(protocol + ":")).toArray(String[]::new);
        if (lines.length < 2) {
            throw new IllegalStateException("no " + protocol + " lines in /proc/net/snmp");
        }
        List<String> names = List.of(lines[0].split("\\s+"));
        int index = names.indexOf(counter);
        if (index < 0) {
            throw new IllegalStateException("no " + protocol + " counter " + counter + " in " + names);
        }
        return Long.parseLong(lines[1].split("\\s+")[index]);
    }

    /** Runs {@code command} inside the namespace and returns its stdout; fails with its output on a non-zero exit. */
    public String exec(String... command) {
        return run(inside(command));
    }

    /** Starts {@code command} inside the namespace; it is killed in {@link #close()} if still running. */
    public Process start(String... command) {
        try {
            Process process = new ProcessBuilder(inside(command)).redirectErrorStream(true).start();
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + String.join(" ", command) + " in " + name, e);
        }
    }

    /** Starts a python3 helper script from the test resources of this package, inside the namespace. */
    public Process startScript(String script, Object... args) {
        List<String> command = new ArrayList<>(List.of("python3", "-u", scriptPath(script).toString()));
        for (Object arg : args) {
            command.add(String.valueOf(arg));
        }
        return start(command.toArray(String[]::new));
    }

    private Path scriptPath(String script) {
        try (InputStream in = NetNs.class.getResourceAsStream(script)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + script + " next to NetNs");
            }
            Path file = Files.createTempFile("v4j-" + script.replace(".py", "") + "-", ".py");
            Files.write(file, in.readAllBytes());
            scripts.add(file);
            return file;
        } catch (IOException e) {
            throw new IllegalStateException("cannot copy " + script, e);
        }
    }

    /** Waits for {@code process} and returns its whole output; fails if it does not exit 0 in time. */
    public static String await(Process process, long timeoutSeconds) {
        try (InputStream out = process.getInputStream()) {
            byte[] bytes = out.readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("helper still running after " + timeoutSeconds + " s");
            }
            String output = new String(bytes, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("helper exited " + process.exitValue() + ": " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read helper output", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            closePipes(process);
        }
    }

    /** Reads one line of {@code process}'s output (e.g. a READY handshake) without closing the stream. */
    public static String readLine(Process process) {
        try {
            StringBuilder line = new StringBuilder();
            InputStream in = process.getInputStream();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read helper output", e);
        }
    }

    /** The value of {@code key=value} in a helper's summary line. */
    public static long field(String output, String key) {
        for (String token : output.strip().split("\\s+")) {
            if (token.startsWith(key + "=")) {
                return Long.parseLong(token.substring(key.length() + 1));
            }
        }
        throw new IllegalStateException("no " + key + "= in helper output: " + output);
    }

    private List<String> inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return full;
    }

    /** Runs {@code command} in the test's own namespace (e.g. {@code ip tuntap add}); stdout, or fails with its output. */
    public static String host(String... command) {
        return run(List.of(command));
    }

    /**
     * Closes all three pipes of {@code process} now. The JDK closes them on its own only when its
     * reaper thread notices the exit, which can be after waitFor returns: fd counts would race.
     */
    public static void closePipes(Process process) {
        try {
            process.getOutputStream().close();
            process.getInputStream().close();
            process.getErrorStream().close();
        } catch (IOException ignored) {
            // Closing a pipe whose other end is gone cannot fail in a way that matters here.
        }
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output;
            try (InputStream out = process.getInputStream()) {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            } finally {
                closePipes(process);
            }
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    /** Kills remaining helpers, deletes the namespace (its links go with it) and the script copies. */
    @Override
    public void close() {
        for (Process process : processes) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
                closePipes(process);
            } catch (InterruptedException ignored) {
                // Best effort: the namespace is deleted below regardless.
            }
        }
        for (Path script : scripts) {
            try {
                Files.deleteIfExists(script);
            } catch (IOException ignored) {
                // A leftover temp file is harmless.
            }
        }
        run(List.of("ip", "netns", "delete", name));
    }
}
