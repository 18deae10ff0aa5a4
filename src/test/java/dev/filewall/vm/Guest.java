package dev.filewall.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the VM tier's tests do inside the guest: start the real daemon (target/filewall), perform
 * operations with target/vm/fwops, and read the log. These tests need a kernel with the bpf LSM:
 * `make test-vm` runs them in Debian's 6.1 and 6.12 kernels; they are not part of the host run.
 */
final class Guest {
    private Guest() {}

    static final Path REPO = Path.of(System.getProperty("user.dir"));
    static final Path FILEWALL = REPO.resolve("target/filewall");
    static final Path FWOPS = REPO.resolve("target/vm/fwops");

    record Result(int code, String out) {
        boolean ok() {
            return code == 0;
        }
    }

    static Result run(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish within " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }

    /** fwops OP ARGS: the last line it prints is ok or the errno name (the step that failed precedes it). */
    static String op(String op, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(FWOPS.toString(), op));
        cmd.addAll(List.of(args));
        String out = run(cmd, 30).out();
        return out.substring(out.lastIndexOf('\n') + 1);
    }

    static Result filewall(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(FILEWALL.toString()));
        cmd.addAll(List.of(args));
        return run(cmd, 120);
    }

    /** A running `filewall run`; its output is kept for the assertion messages. */
    static final class Daemon implements AutoCloseable {
        final Process process;
        final StringBuffer output = new StringBuffer();

        /** The daemon started last: its output goes into the failure messages of the log waits. */
        static volatile Daemon last;

        Daemon(Path rules, Path log, String... extra) throws IOException, InterruptedException {
            last = this;
            List<String> cmd = new ArrayList<>(List.of(FILEWALL.toString(), "run", rules.toString(), "--log", log.toString()));
            cmd.addAll(List.of(extra));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Thread.ofPlatform().daemon().start(() -> r.lines().forEach(l -> output.append(l).append('\n')));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240); // TCG is slow, and slower when the host is busy
            while (!output.toString().contains("filewall: logging to ")) {
                assertThat(process.isAlive()).as("the daemon exited:\n%s", output).isTrue();
                assertThat(System.nanoTime()).as("the daemon did not start within 240 s:\n%s", output).isLessThan(deadline);
                Thread.sleep(100);
            }
        }

        void kill9() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                // a daemon still writing when the next one starts would blur what each test sees
                assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the daemon did not exit within 120 s of SIGTERM:\n%s", output)
                        .isTrue();
            }
        }
    }

    static String daemonOutput() {
        Daemon d = Daemon.last;
        return d == null ? "" : "\n---- the daemon's output (" + (d.process.isAlive() ? "running" : "exited " + d.process.exitValue())
                + "):\n" + d.output;
    }

    /** The log's complete lines: the daemon may be writing the last one right now. */
    static List<String> completeLines(Path log) throws IOException {
        if (!Files.exists(log)) return List.of();
        String text = Files.readString(log, StandardCharsets.UTF_8);
        return text.substring(0, text.lastIndexOf('\n') + 1).lines().toList();
    }

    /** Waits until the log's text contains the fragment (which may span lines), or fails with the log. */
    static void awaitLogText(Path log, String fragment) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(log) || !Files.readString(log, StandardCharsets.UTF_8).contains(fragment)) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("no " + fragment + " in " + log + ":\n" + (Files.exists(log) ? Files.readString(log) : "(no log)")
                        + daemonOutput());
            Thread.sleep(100);
        }
    }

    /** Waits until the log holds a line containing every fragment, or fails with the log. */
    static String awaitLogLine(Path log, String... fragments) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    boolean all = true;
                    for (String f : fragments) all &= line.contains(f);
                    if (all) return line;
                }
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError("no log line with " + List.of(fragments) + " in " + log + ":\n"
                        + (Files.exists(log) ? Files.readString(log) : "(no log)") + daemonOutput());
            Thread.sleep(100);
        }
    }
}
