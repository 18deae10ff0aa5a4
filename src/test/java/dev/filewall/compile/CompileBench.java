package dev.filewall.compile;

import com.sun.management.OperatingSystemMXBean;
import dev.filewall.rules.Action;
import dev.filewall.rules.LineFormat;
import dev.filewall.rules.RuleSet;
import java.lang.management.ManagementFactory;
import java.util.function.IntFunction;

/**
 * Compile times and table sizes of generated rule sets. Not a test: nothing about time is
 * asserted. Run one case per JVM to see what the CLI sees (a cold JVM), e.g.
 * {@code java -cp target/classes:target/test-classes:<deps> dev.filewall.compile.CompileBench prefix 10000 3}:
 * shape, rules, rounds (the first round is cold, later ones warm).
 */
public final class CompileBench {
    /** {@code /srv/app1234/*}, an exe for every tenth rule. */
    static String prefixOnly(int i) {
        return exe(i) + "file_path=/srv/app" + i + "/*,action=" + Action.values()[i % 3].word();
    }

    /** Stars in the middle, under a distinct directory: {@code /srv/app1234/*}{@code /logs/*.log}. */
    static String anchoredGlobs(int i) {
        return exe(i) + (i % 2 == 0 ? "file_path=/srv/app" + i + "/*/logs/*.log" : "file_path=/home/u" + i + "/*/.ssh/[!.]*")
                + ",operation=WRITE,action=" + Action.values()[i % 3].word();
    }

    /** A star before the distinct part: {@code /var/*}{@code /app1234.log}. */
    static String leadingStar(int i) {
        return exe(i) + "file_path=/var/*/app" + i + ".log,action=deny";
    }

    /** Stars on both sides of the distinct part: {@code /var/*}{@code /app1234/*.log}. States double with each rule. */
    static String middleStar(int i) {
        return exe(i) + "file_path=/var/*/app" + i + "/*.log,action=deny";
    }

    private static String exe(int i) {
        return i % 10 == 0 ? "exe_path=/usr/bin/tool" + i % 50 + "," : "";
    }

    static RuleSet rules(int n, IntFunction<String> rule) throws Exception {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) s.append(rule.apply(i)).append('\n');
        return LineFormat.parse(s.toString(), "bench");
    }

    static IntFunction<String> shape(String name) {
        return switch (name) {
            case "prefix" -> CompileBench::prefixOnly;
            case "anchored" -> CompileBench::anchoredGlobs;
            case "leading" -> CompileBench::leadingStar;
            case "middle" -> CompileBench::middleStar;
            default -> throw new IllegalArgumentException("shape: prefix, anchored, leading or middle");
        };
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
    }

    public static void main(String[] args) throws Exception {
        String shape = args[0];
        int n = Integer.parseInt(args[1]), rounds = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        RuleSet set = rules(n, shape(shape));
        var threads = ManagementFactory.getThreadMXBean();
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int round = 0; round < rounds; round++) {
            long wall = System.nanoTime(), cpu = threads.getCurrentThreadCpuTime(), all = os.getProcessCpuTime();
            long gc = gcMillis(), jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
            String out;
            try {
                out = TableCompiler.compile(set, 1).stats().toString();
            } catch (TableException e) {
                out = "ERROR " + e.getMessage();
            }
            System.out.printf("%-8s %6d rules, round %d: %5d ms wall, cpu: %5d ms compiling thread, %5d ms whole JVM;"
                            + " %4d ms in GC pauses, %4d ms JIT%n  %s%n",
                    shape, n, round, (System.nanoTime() - wall) / 1_000_000, (threads.getCurrentThreadCpuTime() - cpu) / 1_000_000,
                    (os.getProcessCpuTime() - all) / 1_000_000, gcMillis() - gc,
                    ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit, out);
        }
    }
}
