package dev.filewall.daemon;

import dev.filewall.bpf.RingBuffer;
import dev.filewall.compile.Table;
import dev.filewall.compile.TableCompiler;
import dev.filewall.compile.TableException;
import dev.filewall.events.BootClock;
import dev.filewall.events.EventDecoder;
import dev.filewall.events.EventLog;
import dev.filewall.logstore.LogWeb;
import dev.filewall.logstore.PipelineStatus;
import dev.filewall.logstore.Retention;
import dev.filewall.logstore.StoreWriter;
import dev.filewall.metrics.Metrics;
import dev.filewall.metrics.MetricsServer;
import dev.filewall.rules.RuleException;
import dev.filewall.rules.RuleFiles;
import dev.filewall.rules.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code filewall run}: keeps the LSM programs loaded (or adopts them), feeds them the compiled
 * rules, reloads on SIGHUP, and drains their events into the log on a platform thread. Ending
 * the daemon leaves enforcement in place; only {@code filewall stop} ends it.
 */
public final class Daemon {
    /**
     * metrics: where to serve /metrics and /healthz, or null for nowhere; store: the event store, or null for none;
     * http: where to serve the log view of the store, or null for nowhere.
     */
    public record Options(Path rules, RuleFiles.Format format, Path log, Path jsonLog, Path pidFile,
                          Enforcer.Settings settings, Pins pins, InetSocketAddress metrics, Path store, Retention retention,
                          InetSocketAddress http, boolean httpAllowRemote) {}

    private final Options opt;
    private final PrintWriter out, err;
    private final AtomicBoolean reloadRequested = new AtomicBoolean();
    private long reloads;
    private Metrics metrics;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Object wake = new Object();
    private boolean statusFailed;
    /** Seconds from the kernel's decision to the drain writing its event, for the latest event. */
    private volatile double drainLag;

    public Daemon(Options opt, PrintWriter out, PrintWriter err) {
        this.opt = opt;
        this.out = out;
        this.err = err;
    }

    /** Exit code: 0 on a clean stop, 1 invalid rules at start, 3 the kernel or I/O failed. */
    public int run() throws Exception {
        var problem = KernelCheck.bpfLsmProblem();
        if (problem.isPresent()) {
            err.println("filewall: " + problem.get());
            return 3;
        }
        Table table = compile();
        if (table == null) return 1;
        opt.pins().ensureBpffs();
        Enforcer enforcer;
        if (opt.pins().present()) {
            enforcer = Enforcer.adopt(opt.pins());
            enforcer.writeConfig(opt.settings());
            enforcer.slots().publish(table);
            out.println("filewall: adopted the pinned programs (" + enforcer.attached.size() + " hooks), generation "
                    + enforcer.slots().generation());
        } else {
            enforcer = Enforcer.load(opt.pins(), table, opt.settings());
            out.println("filewall: enforcing " + table.stats().rules() + " rules on " + enforcer.attached.size()
                    + " hooks, generation " + enforcer.slots().generation() + (opt.settings().dryRun() ? " (dry run)" : ""));
        }
        out.flush();
        Files.createDirectories(opt.pidFile().getParent());
        Files.writeString(opt.pidFile(), ProcessHandle.current().pid() + "\n");
        installSignals();
        metrics = new Metrics(enforcer::counters, this::hooksAttached, opt.settings().dryRun());
        metrics.loaded(enforcer.slots().generation(), table.stats().rules(), table.stats().bytes());
        metrics.drainLag(() -> drainLag);
        try (enforcer; EventLog log = new EventLog(opt.log(), opt.jsonLog(), ZoneId.systemDefault());
             StoreWriter store = opt.store() == null ? null : StoreWriter.start(new StoreWriter.Settings(opt.store(), opt.retention()));
             MetricsServer served = opt.metrics() == null ? null : MetricsServer.start(opt.metrics(), metrics);
             LogWeb web = opt.http() == null ? null : LogWeb.start(opt.http(), opt.httpAllowRemote(), opt.store())) {
            if (served != null) out.println("filewall: metrics at " + served.url() + "/metrics");
            if (web != null) out.println("filewall: log view at " + web.url());
            if (store != null) metrics.stage("handoff", () -> store.stats().offered(), () -> store.stats().handoffLost())
                    .stage("store", () -> store.stats().stored(), () -> store.stats().storeLost())
                    .storeState(StoreWriter.State.class, () -> store.stats().state());
            Thread drain = Thread.ofPlatform().name("filewall-drain").start(() -> drain(enforcer, log, store));
            // events made since enforcement began waited in the ring buffer until now
            out.println("filewall: logging to " + opt.log() + (store != null ? " and " + opt.store() : ""));
            out.flush();
            while (stop.getCount() > 0) {
                synchronized (wake) {
                    if (!reloadRequested.get() && stop.getCount() > 0) wake.wait(1000);
                }
                if (reloadRequested.getAndSet(false)) reload(enforcer);
            }
            drain.join();
        } finally {
            Files.deleteIfExists(opt.pidFile());
            Files.deleteIfExists(Control.statusFile(opt.pidFile()));
            done.countDown();
        }
        return 0;
    }

    private Table compile() {
        return compile(new java.util.ArrayList<>());
    }

    /** The compiled rules, or null with what is wrong added to problems (and printed). */
    private Table compile(java.util.List<String> problems) {
        try {
            RuleSet set = RuleFiles.load(opt.rules(), opt.format());
            return TableCompiler.compile(set, 0);
        } catch (RuleException e) {
            e.errors().forEach(er -> problems.add(er.toString()));
            problems.add(e.errors().size() + " errors in " + opt.rules() + "; nothing was applied");
        } catch (TableException e) {
            problems.add("filewall: " + opt.rules() + ": " + e.getMessage() + "; nothing was applied");
        }
        problems.forEach(err::println);
        err.flush();
        return null;
    }

    /**
     * A rule file with errors is rejected whole; the running table stays. The outcome also goes
     * to {@link Control#reloadResult}, numbered, so that `filewall reload` can print it.
     */
    private void reload(Enforcer enforcer) {
        var messages = new java.util.ArrayList<String>(); // what is wrong, then the outcome
        Table t = compile(messages);
        boolean ok = false;
        if (t == null) {
            messages.add("filewall: reload rejected, generation " + enforcer.slots().generation() + " stays");
        } else {
            try {
                int g = enforcer.slots().publish(t);
                messages.add("filewall: reloaded " + t.stats().rules() + " rules, generation " + g);
                ok = true;
            } catch (RuntimeException e) {
                messages.add("filewall: reload failed, generation " + enforcer.slots().generation() + " stays: " + e.getMessage());
            }
        }
        if (ok) metrics.reloaded(enforcer.slots().generation(), t.stats().rules(), t.stats().bytes());
        else metrics.reloadFailed();
        (ok ? out : err).println(messages.getLast());
        out.flush();
        err.flush();
        reloads++;
        try {
            Path result = Control.reloadResult(opt.pidFile()), tmp = result.resolveSibling(result.getFileName() + ".tmp");
            Files.writeString(tmp, ProcessHandle.current().pid() + ":" + reloads + " " + (ok ? "ok" : "rejected") + "\n" + String.join("\n", messages) + "\n");
            Files.move(tmp, result, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            err.println("filewall: could not record the reload's outcome: " + e);
        }
    }

    /** store: null without one; else each event goes to its hand-off once it is in the CSV log. */
    private void drain(Enforcer enforcer, EventLog log, StoreWriter store) {
        BootClock clock = new BootClock();
        EventDecoder decoder = new EventDecoder(clock);
        long[] bad = {0};
        long[] logged = {0, 0}; // events written, malformed records skipped: for the status file
        long droppedSeen = enforcer.counters().dropped(), reportedAt = System.nanoTime();
        FloodSweeper flood = new FloodSweeper(enforcer.flood(), opt.settings().floodWindow(), clock);
        java.util.function.Consumer<dev.filewall.events.Event> sink = e -> {
            log.write(e);
            logged[0]++;
            if (store != null) store.offer(e);
        };
        try (RingBuffer ring = new RingBuffer(enforcer.events(), rec -> {
            try {
                var ev = decoder.decode(rec);
                sink.accept(ev);
                drainLag = (BootClock.bootNanos() - rec.get(java.lang.foreign.ValueLayout.JAVA_LONG,
                        dev.filewall.bpf.Layouts.Event.TIME_NS)) / 1e9;
                flood.sent(rec, ev);
            } catch (IllegalArgumentException e) {
                bad[0]++;
            }
        })) {
            while (stop.getCount() > 0) {
                int n = ring.poll(200);
                n += flood.sweep(BootClock.bootNanos(), sink);
                if (n > 0 || bad[0] > 0) {
                    clock.refresh();
                    long dropped = enforcer.counters().dropped();
                    if (dropped != droppedSeen) {
                        log.note("the kernel dropped " + (dropped - droppedSeen) + " events: the ring buffer was full (decisions were enforced)");
                        droppedSeen = dropped;
                    }
                    if (bad[0] > 0) {
                        log.note(bad[0] + " malformed events skipped");
                        logged[1] += bad[0];
                        bad[0] = 0;
                    }
                    log.flush();
                }
                if (System.nanoTime() - reportedAt >= 1_000_000_000L) {
                    report(enforcer, log, store, logged);
                    reportedAt = System.nanoTime();
                }
            }
            ring.consume();
            log.flush();
            report(enforcer, log, store, logged);
        } catch (RuntimeException e) {
            err.println("filewall: event drain failed: " + e);
            err.flush();
            requestStop();
        }
    }

    /** The store's losses and state changes into the CSV log; every stage's counts into the status file. */
    private void report(Enforcer enforcer, EventLog log, StoreWriter store, long[] logged) {
        if (store != null) {
            store.notes().forEach(log::note);
            log.flush();
        }
        Counters c = enforcer.counters();
        Path file = Control.statusFile(opt.pidFile());
        try {
            new PipelineStatus(Instant.now(), c.events(), c.dropped(), logged[0], logged[1], store == null ? null : store.stats())
                    .write(file);
        } catch (IOException e) {
            if (!statusFailed) err.println("filewall: cannot write " + file + " (filewall status will lack the pipeline): " + e);
            err.flush();
            statusFailed = true;
        }
    }

    private void installSignals() {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> {
            reloadRequested.set(true);
            synchronized (wake) {
                wake.notifyAll();
            }
        });
        // on SIGTERM the JVM exits once its hooks return: wait for the last events to be written and
        // stored (a backlog in the store's hand-off takes a while; systemd waits 90 s by default)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            requestStop();
            try {
                done.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }));
    }

    /** The hooks pinned now: what the metrics count as attached. */
    private int hooksAttached() {
        try {
            return opt.pins().links().size();
        } catch (IOException e) {
            return 0;
        }
    }

    void requestStop() {
        stop.countDown();
        synchronized (wake) {
            wake.notifyAll();
        }
    }

}
