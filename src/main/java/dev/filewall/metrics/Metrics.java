package dev.filewall.metrics;

import dev.filewall.bpf.Layouts;
import dev.filewall.daemon.Counters;
import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The daemon's meters, in Prometheus form (README "Metrics"). The kernel's per-CPU counters are
 * read once at the start of every scrape, so a scrape shows one consistent snapshot and counts
 * every decision, not only the logged ones. Parts of the daemon that count for themselves (the
 * event hand-off, the store, the drain) register a supplier here.
 *
 * <p>Every meter holds this object, not the caller's supplier: Micrometer keeps the object of a
 * function meter only weakly, and a supplier nobody else holds would turn into NaN.
 */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<Counters> kernel;
    private final IntSupplier hooks;
    private volatile Counters scraped = new Counters(new long[Operation.RULES.size()][Action.values().length], 0, 0, 0, 0, 0,
            new long[Layouts.FW_NTAMPER]);
    private volatile long generation, rules, tableBytes, lastLoadEpochMillis;
    private volatile boolean lastReloadOk = true;
    private final Counter reloadsOk, reloadsFailed;

    /**
     * kernel: fw_counters summed over CPUs, read at each scrape; hooks: how many LSM hooks are
     * attached now. Enforcement is active when at least one is and the daemon does not run dry.
     */
    public Metrics(Supplier<Counters> kernel, IntSupplier hooks, boolean dryRun) {
        this.kernel = kernel;
        this.hooks = hooks;
        for (Operation op : Operation.RULES)
            for (Action a : Action.values())
                FunctionCounter.builder("filewall.decisions", this, m -> m.scraped.decisions()[op.ordinal()][a.ordinal()])
                        .description("decisions of the LSM programs, logged or not, by operation and action")
                        .tags("operation", op.name(), "action", a.word()).register(registry);
        for (int k = 0; k < Layouts.FW_NTAMPER; k++) {
            int kind = k;
            FunctionCounter.builder("filewall.tamper.attempts", this, m -> m.scraped.tamper()[kind])
                    .description("attempts on filewall itself that the kernel refused: signals to the daemon, ptrace, "
                            + "writable fds of its maps, unmounting its bpffs (its files are guarded by rules and counted as decisions)")
                    .tags("kind", Operation.values()[Operation.RULES.size() + k].name())
                    .register(registry);
        }
        stage("kernel", () -> scraped.events(), () -> scraped.dropped());
        counter("filewall.unresolved.decisions",
                "decisions made by the unresolved-path policy (path unresolvable or longer than 4096 bytes)", m -> m.scraped.unresolved());
        counter("filewall.exempt.operations", "operations of the daemon itself, which no rule judges", m -> m.scraped.exempt());
        counter("filewall.events.folded", "repeats of an identical event that flood control counted in the kernel instead of sending",
                m -> m.scraped.repeats());
        gauge("filewall.hooks.attached", null, "LSM hooks attached (pinned links)", m -> m.hooks.getAsInt());
        gauge("filewall.dry.run", null, "1 under --dry-run: deny decisions are only logged", m -> dryRun ? 1 : 0);
        gauge("filewall.enforcement.active", null, "1 when hooks are attached and deny decisions are enforced",
                m -> !dryRun && m.hooks.getAsInt() > 0 ? 1 : 0);
        gauge("filewall.ruleset.generation", null, "generation of the rule table the kernel uses", m -> m.generation);
        gauge("filewall.rules", null, "rules in the active rule set", m -> m.rules);
        gauge("filewall.table", "bytes", "size of the active compiled rule table", m -> m.tableBytes);
        gauge("filewall.last.reload.successful", null, "1 when the latest load or reload of the rules succeeded, 0 when it was rejected",
                m -> m.lastReloadOk ? 1 : 0);
        gauge("filewall.last.reload.success.timestamp", "seconds", "when the running rule set was loaded (Unix time)",
                m -> m.lastLoadEpochMillis / 1000.0);
        reloadsOk = reloads("success");
        reloadsFailed = reloads("failure");
    }

    /**
     * Events a stage of the pipeline passed on and events it lost. "kernel" (the ring buffer) is
     * registered by the constructor; the daemon adds "handoff" and "store".
     */
    public Metrics stage(String name, LongSupplier events, LongSupplier dropped) {
        FunctionCounter.builder("filewall.events", this, m -> events.getAsLong()).tag("stage", name)
                .description("events passed on, by stage of the pipeline (kernel ring buffer, hand-off, store)").register(registry);
        FunctionCounter.builder("filewall.events.dropped", this, m -> dropped.getAsLong()).tag("stage", name)
                .description("events lost, by stage (kernel: the ring buffer was full; the decision was still enforced)")
                .register(registry);
        return this;
    }

    /** How far the drain is behind the kernel: the age of the latest event when it was written. */
    public Metrics drainLag(DoubleSupplier seconds) {
        gauge("filewall.drain.lag", "seconds", "age of the latest drained event when it was written to the log", m -> seconds.getAsDouble());
        return this;
    }

    /** The store's state as one series per state, 1 for the current one (the Prometheus way to show an enum). */
    public <E extends Enum<E>> Metrics storeState(Class<E> states, Supplier<E> current) {
        for (E s : states.getEnumConstants())
            Gauge.builder("filewall.store.state", this, m -> current.get() == s ? 1 : 0)
                    .tag("state", s.name().toLowerCase(Locale.ROOT)).description("state of the event store").register(registry);
        return this;
    }

    /** A rule set went live at start. */
    public void loaded(int generation, int rules, long tableBytes) {
        this.generation = generation;
        this.rules = rules;
        this.tableBytes = tableBytes;
        lastReloadOk = true;
        lastLoadEpochMillis = System.currentTimeMillis();
    }

    /** A reload put a new rule set live. */
    public void reloaded(int generation, int rules, long tableBytes) {
        loaded(generation, rules, tableBytes);
        reloadsOk.increment();
    }

    /** A reload was rejected or failed: the running rule set stays. */
    public void reloadFailed() {
        lastReloadOk = false;
        reloadsFailed.increment();
    }

    /** Reads the kernel's counters, then renders every meter in the Prometheus text format 0.0.4. */
    public synchronized String scrape() {
        scraped = kernel.get();
        return registry.scrape();
    }

    /** Empty when healthy, else why not: the kernel's counters cannot be read, or no hook is attached. */
    public Optional<String> unhealthy() {
        try {
            kernel.get();
        } catch (RuntimeException e) {
            return Optional.of("the kernel's counters cannot be read: " + e.getMessage());
        }
        return hooks.getAsInt() > 0 ? Optional.empty() : Optional.of("no LSM hook is attached");
    }

    private void counter(String name, String description, ToDoubleFunction<Metrics> f) {
        FunctionCounter.builder(name, this, f).description(description).register(registry);
    }

    private void gauge(String name, String unit, String description, ToDoubleFunction<Metrics> f) {
        Gauge.builder(name, this, f).baseUnit(unit).description(description).register(registry);
    }

    private Counter reloads(String result) {
        return Counter.builder("filewall.reloads").tag("result", result)
                .description("rule reloads (SIGHUP, filewall reload), by result").register(registry);
    }
}
