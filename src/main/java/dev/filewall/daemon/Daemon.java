package dev.filewall.daemon;

import dev.filewall.bpf.RingBuffer;
import dev.filewall.compile.Table;
import dev.filewall.compile.TableCompiler;
import dev.filewall.compile.TableException;
import dev.filewall.events.BootClock;
import dev.filewall.events.EventDecoder;
import dev.filewall.events.EventLog;
import dev.filewall.rules.RuleException;
import dev.filewall.rules.RuleFiles;
import dev.filewall.rules.RuleSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code filewall run}: keeps the LSM programs loaded (or adopts them), feeds them the compiled
 * rules, reloads on SIGHUP, and drains their events into the log on a platform thread. Ending
 * the daemon leaves enforcement in place; only {@code filewall stop} ends it.
 */
public final class Daemon {
    public record Options(Path rules, RuleFiles.Format format, Path log, Path jsonLog, Path pidFile,
                          Enforcer.Settings settings, Pins pins) {}

    private final Options opt;
    private final PrintWriter out, err;
    private final AtomicBoolean reloadRequested = new AtomicBoolean();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Object wake = new Object();

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
        try (enforcer; EventLog log = new EventLog(opt.log(), opt.jsonLog(), ZoneId.systemDefault())) {
            Thread drain = Thread.ofPlatform().name("filewall-drain").start(() -> drain(enforcer, log));
            while (stop.getCount() > 0) {
                synchronized (wake) {
                    if (!reloadRequested.get() && stop.getCount() > 0) wake.wait(1000);
                }
                if (reloadRequested.getAndSet(false)) reload(enforcer);
            }
            drain.join();
        } finally {
            Files.deleteIfExists(opt.pidFile());
            done.countDown();
        }
        return 0;
    }

    private Table compile() {
        try {
            RuleSet set = RuleFiles.load(opt.rules(), opt.format());
            return TableCompiler.compile(set, 0);
        } catch (RuleException e) {
            e.errors().forEach(er -> err.println(er));
            err.println(e.errors().size() + " errors in " + opt.rules() + "; nothing was applied");
        } catch (TableException e) {
            err.println("filewall: " + opt.rules() + ": " + e.getMessage() + "; nothing was applied");
        }
        err.flush();
        return null;
    }

    /** A rule file with errors is rejected whole; the running table stays. */
    private void reload(Enforcer enforcer) {
        Table t = compile();
        if (t == null) {
            err.println("filewall: reload rejected, generation " + enforcer.slots().generation() + " stays");
        } else {
            try {
                int g = enforcer.slots().publish(t);
                out.println("filewall: reloaded " + t.stats().rules() + " rules, generation " + g);
            } catch (RuntimeException e) {
                err.println("filewall: reload failed, generation " + enforcer.slots().generation() + " stays: " + e.getMessage());
            }
        }
        out.flush();
        err.flush();
    }

    private void drain(Enforcer enforcer, EventLog log) {
        BootClock clock = new BootClock();
        EventDecoder decoder = new EventDecoder(clock);
        long[] bad = {0};
        long droppedSeen = enforcer.counters().dropped();
        try (RingBuffer ring = new RingBuffer(enforcer.events(), rec -> {
            try {
                log.write(decoder.decode(rec));
            } catch (IllegalArgumentException e) {
                bad[0]++;
            }
        })) {
            while (stop.getCount() > 0) {
                int n = ring.poll(200);
                if (n > 0 || bad[0] > 0) {
                    clock.refresh();
                    long dropped = enforcer.counters().dropped();
                    if (dropped != droppedSeen) {
                        log.note("the kernel dropped " + (dropped - droppedSeen) + " events: the ring buffer was full (decisions were enforced)");
                        droppedSeen = dropped;
                    }
                    if (bad[0] > 0) {
                        log.note(bad[0] + " malformed events skipped");
                        bad[0] = 0;
                    }
                    log.flush();
                }
            }
            ring.consume();
            log.flush();
        } catch (RuntimeException e) {
            err.println("filewall: event drain failed: " + e);
            err.flush();
            requestStop();
        }
    }

    private void installSignals() {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> {
            reloadRequested.set(true);
            synchronized (wake) {
                wake.notifyAll();
            }
        });
        // on SIGTERM the JVM exits once its hooks return: wait for the last events to be written
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            requestStop();
            try {
                done.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }));
    }

    void requestStop() {
        stop.countDown();
        synchronized (wake) {
            wake.notifyAll();
        }
    }

}
