package dev.filewall.compile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.filewall.bpf.Harness;
import dev.filewall.bpf.TableSlots;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;
import dev.filewall.rules.RuleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * bench/run-host (make bench-host): compile time and table bytes for 10 / 1,000 / 10,000 rules,
 * and the kernel evaluator's own cost per decision through fw_harness, read from the kernel's
 * BPF statistics (run_time_ns / run_cnt, as bpftool prog show reports them), for the same
 * paths under every rule set. Writes a Markdown table; a benchmark, not a test.
 */
public final class TableBench {
    record Row(String shape, int rules, double compileMs, long bytes, int pathGroups, double nsShort, double nsLong) {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "bench/results/host-table-" + LocalDate.now() + ".md");
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        new ProcessBuilder("sysctl", "-qw", "kernel.bpf_stats_enabled=1").inheritIO().start().waitFor();
        List<Row> rows = new ArrayList<>();
        for (String shape : List.of("prefix", "anchored")) {
            for (int n : new int[] {10, 1_000, 10_000}) {
                RuleSet set = CompileBench.rules(n, CompileBench.shape(shape));
                TableCompiler.compile(set, 0); // warm the JIT: the first compile of a JVM is slower
                long t0 = System.nanoTime();
                Table t = TableCompiler.compile(set, 0);
                double ms = (System.nanoTime() - t0) / 1e6;
                try (Harness h = Harness.load(TableSlots.slotBlocksFor(t.size(), 1))) {
                    h.publish(t);
                    // the same paths for every set, under rule 4's tree (/srv/app4/*), so the DFA walks them whole
                    String shortPath = "/srv/app4/x/data.bin";
                    String longPath = "/srv/app4/" + "d/".repeat(2000) + "x".repeat(4096 - 4010 - 11) + "/logs/a.log";
                    rows.add(new Row(shape, n, ms, t.stats().bytes(), t.stats().groups().getFirst().size(),
                            nsPerRun(h, shortPath, reps), nsPerRun(h, longPath, reps / 10)));
                }
                System.out.println(rows.getLast());
            }
        }
        Files.createDirectories(out.getParent());
        Files.writeString(out, markdown(rows, reps));
        System.out.println("wrote " + out);
    }

    /** Kernel run time per call of fw_decide_only (the subject computed once, as per exec), from its BPF statistics. */
    static double nsPerRun(Harness h, String path, int reps) throws Exception {
        Query q = Query.of(0, "/usr/bin/cp", "cp a b", Operation.WRITE, path, null);
        if (h.decide(q).error() != 0) throw new IllegalStateException("harness failed on " + q);
        for (int i = 0; i < 1000; i++) h.decideWithLastSubject(q);
        long[] before = stats();
        for (int i = 0; i < reps; i++) h.decideWithLastSubject(q);
        long[] after = stats();
        return (double) (after[0] - before[0]) / (after[1] - before[1]);
    }

    /** {run_time_ns, run_cnt} of the loaded fw_decide_only. */
    static long[] stats() throws Exception {
        Process p = new ProcessBuilder("bpftool", "--json", "prog", "show", "name", "fw_decide_only").start();
        JsonNode n = new ObjectMapper().readTree(p.getInputStream());
        p.waitFor();
        JsonNode prog = n.isArray() ? n.get(0) : n;
        if (prog == null || !prog.has("run_cnt"))
            throw new IllegalStateException("bpftool reports no run statistics for fw_decide_only: " + n);
        return new long[] {prog.path("run_time_ns").asLong(), prog.path("run_cnt").asLong()};
    }

    static String markdown(List<Row> rows, int reps) {
        StringBuilder s = new StringBuilder("# Host bench: the compiled table (" + LocalDate.now() + ", kernel "
                + System.getProperty("os.version") + ")\n\n"
                + "Measured by `make bench-host` (dev.filewall.compile.TableBench). Compile time is one warm compile in\n"
                + "this JVM. Kernel cost is fw_decide_only's own run time per call (kernel.bpf_stats_enabled:\n"
                + "run_time_ns / run_cnt over " + reps + " calls): copying the path out of the query and deciding it\n"
                + "with a subject computed once before, as the LSM programs do per file operation. Paths: a short one\n"
                + "and a 4,096-byte one, the same for every set, under rule 4's tree (/srv/app4/...). Ratio: against 10 rules of the\n"
                + "same shape. The host is a shared 2-core VM: compare ratios, not absolute numbers.\n\n"
                + "| shape | rules | compile ms | table bytes | path groups | ns/decision (short) | ratio | ns/decision (4096 B) | ratio | ns per path byte |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            Row base = rows.stream().filter(b -> b.shape().equals(r.shape()) && b.rules() == 10).findFirst().orElse(r);
            s.append(String.format("| %s | %,d | %.1f | %,d | %d | %.0f | %.2fx | %.0f | %.2fx | %.2f |%n", r.shape(), r.rules(),
                    r.compileMs(), r.bytes(), r.pathGroups(), r.nsShort(), r.nsShort() / base.nsShort(), r.nsLong(),
                    r.nsLong() / base.nsLong(), (r.nsLong() - r.nsShort()) / (4096 - 20)));
        }
        return s.toString();
    }
}
