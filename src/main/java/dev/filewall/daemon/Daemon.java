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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code filewall run}: keeps the LSM programs loaded (or adopts them), feeds them the compiled
 * rules, reloads on SIGHUP, and drains their events into the log on a platform thread. Ending
 * the daemon leaves enforcement in place; only {@code filewall stop} ends it.
 */
public final class Daemon {
    /**
     * config: the configuration file read, or null; metrics: where to serve /metrics and /healthz, or null for
     * nowhere; store: the event store, or null for none; http: where to serve the log view of the store, or null for nowhere.
     */
    public record Options(Path rules, RuleFiles.Format format, Path config, Path log, Path jsonLog, Path pidFile,
                          Enforcer.Settings settings, Pins pins, InetSocketAddress metrics, Path store, Retention retention,
                          InetSocketAddress http, boolean httpAllowRemote) {}

    private final Options opt;
    private final PrintWriter out, err;
    private final AtomicBoolean reloadRequested = new AtomicBoolean();
    private final java.util.concurrent.ConcurrentLinkedQueue<ControlSocket.Request> requests = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The `filewall stop` being carried out: answered once the pins are gone. */
    private ControlSocket.Request stopping;
    private SelfProtection protection;
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
        opt.pins().ensureBpffs();
        protection = SelfProtection.of(opt, Optional.ofNullable(System.getProperty("filewall.launcher")).map(Path::of).orElse(null),
                runningJar(), Path.of(System.getProperty("java.home")));
        Table table = compile();
        if (table == null) return 1;
        Enforcer enforcer;
        if (opt.pins().present()) {
            try {
                enforcer = Enforcer.adopt(opt.pins());
            } catch (dev.filewall.bpf.BpfException e) {
                err.println("filewall: cannot take over the pins at " + opt.pins().root() + ": " + e.getMessage()
                        + (e.getMessage().contains("EPERM") ? " (another filewall daemon runs and holds them: only it may write its maps)" : ""));
                return 3;
            }
            enforcer.writeConfig(opt.settings());
            enforcer.slots().publish(table);
            out.println("filewall: adopted the pinned programs (" + enforcer.attached.size() + " hooks), generation "
                    + enforcer.slots().generation());
        } else {
            enforcer = Enforcer.load(opt.pins(), table, opt.settings());
            out.println("filewall: enforcing " + userRules(table) + " rules on " + enforcer.attached.size()
                    + " hooks, generation " + enforcer.slots().generation() + (opt.settings().dryRun() ? " (dry run)" : ""));
        }
        out.println("filewall: self-protection: only this daemon may change " + String.join(", ", protection.describe()));
        out.flush();
        Files.createDirectories(opt.pidFile().getParent());
        Files.writeString(opt.pidFile(), ProcessHandle.current().pid() + "\n");
        installSignals();
        metrics = new Metrics(enforcer::counters, this::hooksAttached, opt.settings().dryRun());
        metrics.loaded(enforcer.slots().generation(), userRules(table), table.stats().bytes());
        metrics.drainLag(() -> drainLag);
        try (enforcer; EventLog log = new EventLog(opt.log(), opt.jsonLog(), ZoneId.systemDefault());
             StoreWriter store = opt.store() == null ? null : StoreWriter.start(new StoreWriter.Settings(opt.store(), opt.retention()));
             MetricsServer served = opt.metrics() == null ? null : MetricsServer.start(opt.metrics(), metrics);
             LogWeb web = opt.http() == null ? null : LogWeb.start(opt.http(), opt.httpAllowRemote(), opt.store());
             ControlSocket control = ControlSocket.listen(ControlSocket.path(opt.pidFile()), this::request)) {
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
                    if (!reloadRequested.get() && requests.isEmpty() && stop.getCount() > 0) wake.wait(1000);
                }
                if (reloadRequested.getAndSet(false)) reload(enforcer, null);
                for (ControlSocket.Request r; (r = requests.poll()) != null; ) serve(enforcer, r);
            }
            drain.join();
        } finally {
            Files.deleteIfExists(opt.pidFile());
            Files.deleteIfExists(Control.statusFile(opt.pidFile()));
            if (stopping != null) unpin();
            done.countDown();
        }
        return 0;
    }

    /** The jar this daemon runs from, or null when it runs from classes (tests). */
    private static Path runningJar() {
        try {
            Path p = Path.of(Daemon.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return p.toString().endsWith(".jar") ? p : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static int userRules(Table t) {
        return t.stats().rules() - SelfProtection.RULES;
    }

    private Table compile() {
        return compile(opt.rules(), opt.rules().toString(), new java.util.ArrayList<>());
    }

    /**
     * The compiled rules of file (named so in messages), in the format of the daemon's rule file and after
     * the self-protection rules, or null with what is wrong added to problems (and printed).
     */
    private Table compile(Path file, String name, java.util.List<String> problems) {
        try {
            RuleSet set = RuleFiles.load(file, opt.format() != null ? opt.format() : RuleFiles.detect(opt.rules()), name);
            return TableCompiler.compile(protection.prepend(set), 0);
        } catch (RuleException e) {
            e.errors().forEach(er -> problems.add(er.toString()));
            problems.add(e.errors().size() + " errors in " + name + "; nothing was applied");
        } catch (TableException e) {
            problems.add("filewall: " + name + ": " + e.getMessage() + "; nothing was applied");
        }
        problems.forEach(err::println);
        err.flush();
        return null;
    }

    /** From the control socket's threads: carried out on the main loop, one at a time. */
    private void request(ControlSocket.Request r) {
        requests.add(r);
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void serve(Enforcer enforcer, ControlSocket.Request r) {
        out.println("filewall: " + r.command() + (r.file() != null ? " " + r.file() : "") + " requested by " + r.peer()
                + " through " + ControlSocket.path(opt.pidFile()));
        out.flush();
        if (r.command().equals("reload")) {
            r.reply().complete(reload(enforcer, r.file()));
        } else if (stopping == null) {
            stopping = r;
            requestStop();
        } else {
            r.reply().complete(new ControlSocket.Reply(false, List.of("filewall: already stopping")));
        }
    }

    /**
     * Re-reads the rule file, or, given a replacement, checks it and makes it the rule file: the rule file
     * itself is self-protected, so this is how an operator changes the rules. A file with errors is
     * rejected whole; the running table (and rule file) stay.
     */
    private ControlSocket.Reply reload(Enforcer enforcer, Path replacement) {
        var messages = new java.util.ArrayList<String>(); // what is wrong, then the outcome
        Path staged = null;
        Table t;
        try {
            if (replacement != null) {
                // checked as copied, so the file that becomes the rules is the one that was checked
                staged = opt.rules().resolveSibling("." + opt.rules().getFileName() + ".new");
                Files.copy(replacement, staged, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            t = compile(staged != null ? staged : opt.rules(), (replacement != null ? replacement : opt.rules()).toString(), messages);
        } catch (IOException e) {
            messages.add("filewall: cannot read " + replacement + ": " + e.getMessage());
            t = null;
        }
        boolean ok = false;
        if (t == null) {
            messages.add("filewall: reload rejected, generation " + enforcer.slots().generation() + " stays");
        } else {
            try {
                int g = enforcer.slots().publish(t);
                messages.add("filewall: reloaded " + userRules(t) + " rules, generation " + g);
                ok = true;
                if (staged != null) {
                    Files.move(staged, opt.rules(), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    staged = null;
                }
            } catch (RuntimeException e) {
                messages.add("filewall: reload failed, generation " + enforcer.slots().generation() + " stays: " + e.getMessage());
            } catch (IOException e) {
                ok = false;
                messages.add("filewall: generation " + enforcer.slots().generation() + " is live, but " + opt.rules()
                        + " could not be replaced (" + e.getMessage() + "): a reload would read the old rules");
            }
        }
        try {
            if (staged != null) Files.deleteIfExists(staged);
        } catch (IOException ignored) {
            // a leftover .new file is replaced by the next reload with a file
        }
        if (ok) metrics.reloaded(enforcer.slots().generation(), userRules(t), t.stats().bytes());
        else metrics.reloadFailed();
        (ok ? out : err).println(messages.getLast());
        out.flush();
        err.flush();
        return new ControlSocket.Reply(ok, messages);
    }

    /** `filewall stop`: the daemon, exempt from its own rules, is the one that may remove the pins. */
    private void unpin() {
        try {
            List<Path> removed = opt.pins().removeAll();
            stopping.reply().complete(new ControlSocket.Reply(true, List.of("filewall: daemon pid " + ProcessHandle.current().pid()
                    + " removed " + removed.size() + " pins and stopped")));
        } catch (IOException | RuntimeException e) {
            stopping.reply().complete(new ControlSocket.Reply(false, List.of("filewall: stopping, the daemon could not remove the pins: " + e)));
        }
        // the JVM exits when run() returns: let the answer reach `filewall stop` first
        stopping.sent().completeOnTimeout(null, 10, java.util.concurrent.TimeUnit.SECONDS).join();
    }

    /** store: null without one; else each event goes to its hand-off once it is in the CSV log. */
    private void drain(Enforcer enforcer, EventLog log, StoreWriter store) {
        BootClock clock = new BootClock();
        EventDecoder decoder = new EventDecoder(clock, SelfProtection.RULES);
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
