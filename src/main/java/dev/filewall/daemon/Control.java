package dev.filewall.daemon;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.filewall.bpf.BpfMap;
import dev.filewall.bpf.Layouts;
import dev.filewall.bpf.TableSlots;
import dev.filewall.compile.Table;
import dev.filewall.logstore.PipelineStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/** The operator's side: reload, status and stop, through the pid file and the pinned maps. */
public final class Control {
    private final Pins pins;
    private final Path pidFile;

    public Control(Pins pins, Path pidFile) {
        this.pins = pins;
        this.pidFile = pidFile;
    }

    Optional<ProcessHandle> daemon() throws IOException {
        if (!Files.exists(pidFile)) return Optional.empty();
        return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).filter(ProcessHandle::isAlive);
    }

    /** Where the daemon writes its event pipeline's counts every second (logstore.PipelineStatus). */
    public static Path statusFile(Path pidFile) {
        return pidFile.resolveSibling("status.json");
    }

    /**
     * Through the daemon's control socket: re-read the rule file, or, given one, make it the rule file (the
     * rule file is self-protected: this is how its content changes). Exit code: 0 reloaded, 1 the rules were
     * rejected (the running table stays), 3 no daemon or no answer.
     */
    public int reload(Path replacement, PrintWriter out, PrintWriter err) throws Exception {
        String request = replacement == null ? "reload" : "reload " + replacement.toAbsolutePath().normalize();
        Optional<ControlSocket.Reply> r = ControlSocket.request(ControlSocket.path(pidFile), request, Duration.ofMinutes(11));
        if (r.isEmpty()) {
            err.println("filewall reload: no daemon is running (" + ControlSocket.path(pidFile) + ")");
            err.flush();
            return 3;
        }
        PrintWriter to = r.get().ok() ? out : err;
        r.get().lines().forEach(to::println);
        to.flush();
        return r.get().ok() ? 0 : 1;
    }

    public int status(PrintWriter out) throws Exception {
        Optional<ProcessHandle> d = daemon();
        if (!pins.present()) {
            out.println("filewall: not enforcing (nothing pinned at " + pins.root() + ")"
                    + (d.isPresent() ? "; daemon pid " + d.get().pid() + " is starting" : ""));
            out.flush();
            return 3;
        }
        // read-only: the kernel gives writable fds of filewall's maps to the daemon alone
        try (BpfMap ctl = BpfMap.openPinned(pins.map("fw_ctl"), true); BpfMap table = BpfMap.openPinned(pins.map("fw_table"), true);
             BpfMap counters = BpfMap.openPinned(pins.map("fw_counters"), true)) {
            TableSlots slots = new TableSlots(table, ctl, table.maxEntries() / 2);
            int generation = slots.generation();
            Counters c = Counters.read(counters);
            out.println("filewall: enforcing on " + pins.links().size() + " hooks");
            out.println("daemon:      " + d.map(h -> "running, pid " + h.pid()).orElse("not running (enforcement continues; events wait in the ring buffer)"));
            out.println("generation:  " + generation);
            out.println("rules:       " + Math.max(0, activeRules(table, ctl, slots) - SelfProtection.RULES) + " (after "
                    + SelfProtection.RULES + " built-in self-protection rules)");
            out.println("decisions:   " + c.total() + " (deny " + sum(c, 2) + ", log " + sum(c, 1) + ", pass " + sum(c, 0) + ")");
            out.println("events:      " + c.events() + " sent, " + c.dropped() + " dropped (ring buffer full), "
                    + c.repeats() + " repeats folded by flood control");
            out.println("unresolved:  " + c.unresolved() + " decided by the unresolved-path policy");
            out.println("tampering:   " + c.tamperTotal() + " attempts on filewall refused (kill " + c.tamper()[0] + ", ptrace "
                    + c.tamper()[1] + ", map write " + c.tamper()[2] + ", unmount " + c.tamper()[3] + "); its files: see deny events flagged self_protection");
            if (d.isPresent()) pipeline(out);
            out.println("pins:        " + pins.root());
            for (Path p : pins.all()) out.println("  " + pins.root().relativize(p));
            out.flush();
            return 0;
        }
    }

    /** The running daemon's log, hand-off and store, as it last wrote them. */
    private void pipeline(PrintWriter out) {
        Path file = statusFile(pidFile);
        try {
            PipelineStatus.read(file).ifPresent(p -> p.lines(ZoneId.systemDefault()).forEach(out::println));
        } catch (IOException | RuntimeException e) {
            out.println("pipeline:    " + file + " is unreadable: " + e.getMessage());
        }
    }

    private static long sum(Counters c, int action) {
        long n = 0;
        for (long[] op : c.decisions()) n += op[action];
        return n;
    }

    /** nrules from the header of the active slot's first block. */
    private static int activeRules(BpfMap table, BpfMap ctl, TableSlots slots) {
        if (slots.generation() == 0) return 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(JAVA_INT), v = a.allocate(Layouts.Ctl.LAYOUT);
            ctl.lookup(key, v);
            int seq = v.get(JAVA_INT, Layouts.Ctl.SEQ), slotBlocks = v.get(JAVA_INT, Layouts.Ctl.SLOT_BLOCKS);
            key.set(JAVA_INT, 0, ((seq >>> 1) & 1) * slotBlocks);
            MemorySegment block = a.allocate(Layouts.Block.LAYOUT);
            table.lookup(key, block);
            return block.get(JAVA_INT, 4L * Table.HDR_NRULES);
        }
    }

    /**
     * Ends enforcement. A running daemon is asked through its control socket and removes its pins itself;
     * without one, this process takes the pins over (the kernel allows that only while no daemon runs) and
     * removes them. Exit code: 0 ended (or nothing was enforcing), 3 it could not be ended.
     */
    public int stop(PrintWriter out, PrintWriter err) throws Exception {
        if (!Files.exists(pins.root()) && daemon().isEmpty()) {
            out.println("filewall: not enforcing (nothing pinned at " + pins.root() + ")");
            out.flush();
            return 0;
        }
        List<int[]> ids = dev.filewall.bpf.PinnedLinks.ids(pins.links());
        Optional<ProcessHandle> d = daemon();
        Optional<ControlSocket.Reply> r = ControlSocket.request(ControlSocket.path(pidFile), "stop", Duration.ofSeconds(60));
        if (r.isPresent()) {
            PrintWriter to = r.get().ok() ? out : err;
            r.get().lines().forEach(to::println);
            to.flush();
            if (!r.get().ok()) return 3;
            if (d.isPresent() && d.get().onExit().completeOnTimeout(null, 30, java.util.concurrent.TimeUnit.SECONDS).get() == null) {
                err.println("filewall stop: the pins are removed but daemon pid " + d.get().pid() + " did not exit within 30 s");
                err.flush();
                return 3;
            }
        } else if (d.isPresent()) {
            err.println("filewall stop: daemon pid " + d.get().pid() + " does not answer on " + ControlSocket.path(pidFile)
                    + "; enforcement stays (its service manager can restart it: systemctl restart filewall)");
            err.flush();
            return 3;
        } else {
            try {
                Enforcer.claim(pins);
            } catch (dev.filewall.bpf.BpfException e) {
                err.println("filewall stop: cannot take over the pins at " + pins.root() + ": " + e.getMessage()
                        + (e.getMessage().contains("EPERM") ? " (a filewall daemon still runs and owns them, but its pid file " + pidFile
                                + " is gone: stop it through its service manager)" : ""));
                err.flush();
                return 3;
            }
            out.println("filewall: removed " + pins.removeAll().size() + " pins (no daemon was running)");
        }
        // the kernel may release an unpinned link later: say "ended" only once every hook is gone
        for (int i = 0; i < 100 && dev.filewall.bpf.PinnedLinks.anyAlive(ids); i++) Thread.sleep(50);
        if (dev.filewall.bpf.PinnedLinks.anyAlive(ids)) {
            err.println("filewall stop: the pins are removed but a hook is still attached after 5 s: something else holds its link");
            err.flush();
            return 3;
        }
        out.println("filewall: enforcement ended: " + ids.size() + " hooks detached");
        out.flush();
        return 0;
    }
}
