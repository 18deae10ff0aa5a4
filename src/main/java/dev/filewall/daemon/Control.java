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

    /** Where the daemon records the outcome of its latest reload: "N ok|rejected", then its messages. */
    public static Path reloadResult(Path pidFile) {
        return pidFile.resolveSibling("reload.result");
    }

    /** Where the daemon writes its event pipeline's counts every second (logstore.PipelineStatus). */
    public static Path statusFile(Path pidFile) {
        return pidFile.resolveSibling("status.json");
    }

    /** Exit code: 0 reloaded, 1 the rules were rejected (the running table stays), 3 no daemon or no answer. */
    public int reload(PrintWriter out, PrintWriter err) throws Exception {
        Optional<ProcessHandle> d = daemon();
        if (d.isEmpty()) {
            err.println("filewall reload: no daemon is running (" + pidFile + ")");
            return 3;
        }
        Path result = reloadResult(pidFile);
        String before = Files.exists(result) ? Files.readString(result) : "";
        signal(d.get().pid(), "HUP");
        // compiling a large rule set takes a while, under emulation far longer
        for (int i = 0; i < 600 && d.get().isAlive(); i++) {
            Thread.sleep(100);
            String now = Files.exists(result) ? Files.readString(result) : "";
            if (!now.isEmpty() && !now.equals(before)) {
                String[] lines = now.split("\n", 2);
                boolean ok = lines[0].endsWith(" ok");
                (ok ? out : err).print(lines.length > 1 ? lines[1] : "");
                (ok ? out : err).flush();
                return ok ? 0 : 1;
            }
        }
        err.println("filewall reload: daemon pid " + d.get().pid() + " did not answer within 60 s; its output says why");
        return 3;
    }

    public int status(PrintWriter out) throws Exception {
        Optional<ProcessHandle> d = daemon();
        if (!pins.present()) {
            out.println("filewall: not enforcing (nothing pinned at " + pins.root() + ")"
                    + (d.isPresent() ? "; daemon pid " + d.get().pid() + " is starting" : ""));
            out.flush();
            return 3;
        }
        try (BpfMap ctl = BpfMap.openPinned(pins.map("fw_ctl")); BpfMap table = BpfMap.openPinned(pins.map("fw_table"));
             BpfMap counters = BpfMap.openPinned(pins.map("fw_counters"))) {
            TableSlots slots = new TableSlots(table, ctl, table.maxEntries() / 2);
            int generation = slots.generation();
            Counters c = Counters.read(counters);
            out.println("filewall: enforcing on " + pins.links().size() + " hooks");
            out.println("daemon:      " + d.map(h -> "running, pid " + h.pid()).orElse("not running (enforcement continues; events wait in the ring buffer)"));
            out.println("generation:  " + generation);
            out.println("rules:       " + activeRules(table, ctl, slots));
            out.println("decisions:   " + c.total() + " (deny " + sum(c, 2) + ", log " + sum(c, 1) + ", pass " + sum(c, 0) + ")");
            out.println("events:      " + c.events() + " sent, " + c.dropped() + " dropped (ring buffer full), "
                    + c.repeats() + " repeats folded by flood control");
            out.println("unresolved:  " + c.unresolved() + " decided by the unresolved-path policy");
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

    public int stop(PrintWriter out, PrintWriter err) throws Exception {
        // the daemon first: while it runs it holds the programs, so they could not be freed
        Optional<ProcessHandle> d = daemon();
        if (d.isPresent()) {
            signal(d.get().pid(), "TERM");
            if (d.get().onExit().completeOnTimeout(null, 10, java.util.concurrent.TimeUnit.SECONDS).get() == null) {
                err.println("filewall stop: daemon pid " + d.get().pid() + " did not exit within 10 s; enforcement stays");
                err.flush();
                return 3;
            }
            out.println("filewall: daemon pid " + d.get().pid() + " stopped");
        }
        List<int[]> ids = dev.filewall.bpf.PinnedLinks.ids(pins.links());
        List<Path> removed = pins.removeAll();
        // the kernel may release an unpinned link later: say "ended" only once every hook is gone
        for (int i = 0; i < 100 && dev.filewall.bpf.PinnedLinks.anyAlive(ids); i++) Thread.sleep(50);
        if (dev.filewall.bpf.PinnedLinks.anyAlive(ids)) {
            err.println("filewall stop: the pins are removed but a hook is still attached after 5 s: something else holds its link");
            err.flush();
            return 3;
        }
        out.println("filewall: enforcement ended: removed " + removed.size() + " pins, " + ids.size() + " hooks detached");
        out.flush();
        return 0;
    }

    private int generation() {
        try (BpfMap ctl = BpfMap.openPinned(pins.map("fw_ctl")); BpfMap table = BpfMap.openPinned(pins.map("fw_table"))) {
            return new TableSlots(table, ctl, table.maxEntries() / 2).generation();
        }
    }

    private static void signal(long pid, String sig) throws IOException, InterruptedException {
        int rc = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor();
        if (rc != 0) throw new IOException("kill -" + sig + " " + pid + " failed");
    }
}
