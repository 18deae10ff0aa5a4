package dev.filewall.logstore;

import dev.filewall.events.Event;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Carries events from the daemon's drain thread into the store on a thread of its own. {@link #offer}
 * never waits: when the bounded hand-off is full the event is counted as lost at the hand-off. A store
 * that cannot be opened or written (missing directory, locked, corrupt, disk full) makes the writer
 * degraded: it keeps taking events off the hand-off, counts them as lost at the store, and reopens the
 * store every {@code retry} until it works again. Retention runs here too, a small step at a time
 * between batches. Every count is of event records (a record may fold repeats).
 */
public final class StoreWriter implements AutoCloseable {
    public record Settings(Path db, Retention retention, int capacity, Duration retry) {
        public static final int CAPACITY = 65_536;
        public static final Duration RETRY = Duration.ofSeconds(5);

        public Settings(Path db, Retention retention) {
            this(db, retention, CAPACITY, RETRY);
        }
    }

    public enum State { OK, DEGRADED }

    /**
     * A consistent-enough snapshot: {@code offered} = {@code stored} + {@code storeLost} + {@code queued}
     * (+ a batch being written); {@code handoffLost} never reached the hand-off. {@code reason} says why
     * the store is degraded, and stays set to the last failure once it recovered.
     */
    public record Stats(Path db, State state, String reason, Instant since, long offered, long handoffLost, long stored,
                        long storeLost, int queued) {}

    private static final int BATCH = 4096;
    private static final Duration MAINTENANCE = Duration.ofSeconds(1);

    private final Settings settings;
    private final Clock clock;
    private final ArrayBlockingQueue<Event> queue;
    private final AtomicLong offered = new AtomicLong(), handoffLost = new AtomicLong();
    private volatile long stored, storeLost;
    private volatile State state = State.DEGRADED;
    private volatile String reason = "not opened yet";
    private volatile Instant since;
    private volatile boolean closing;
    private Thread thread;
    private EventStore store;

    /** The drain thread's view at its last {@link #notes()}: what the CSV log has been told. */
    private long notedHandoffLost, notedStoreLost;
    private State notedState = State.OK;

    StoreWriter(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(settings.capacity());
        this.since = clock.instant();
    }

    /** Opens the store (or starts degraded, saying why) and starts the writer thread. */
    public static StoreWriter start(Settings settings) {
        StoreWriter w = new StoreWriter(settings, Clock.systemUTC());
        w.start();
        return w;
    }

    void start() {
        if (reopen()) state = State.OK;
        thread = Thread.ofPlatform().name("filewall-store").daemon().start(this::run);
    }

    /** Never blocks. False when the hand-off was full: the event is counted as lost there. */
    public boolean offer(Event e) {
        if (queue.offer(e)) {
            offered.incrementAndGet();
            return true;
        }
        handoffLost.incrementAndGet();
        return false;
    }

    public Stats stats() {
        return new Stats(settings.db(), state, reason, since, offered.get(), handoffLost.get(), stored, storeLost, queue.size());
    }

    /**
     * What the CSV log should say since the last call: events that did not reach the store, and the
     * store going degraded or recovering. For one caller (the drain thread).
     */
    public List<String> notes() {
        Stats s = stats();
        List<String> out = new ArrayList<>();
        if (s.state() != notedState)
            out.add(s.state() == State.OK ? "the event store " + s.db() + " works again"
                    : "the event store " + s.db() + " is degraded: " + s.reason() + " (events stay in this log; retrying every "
                    + settings.retry().toSeconds() + " s)");
        if (s.handoffLost() != notedHandoffLost)
            out.add(events(s.handoffLost() - notedHandoffLost) + " not stored: the store's hand-off was full (they are in this log)");
        if (s.storeLost() != notedStoreLost)
            out.add(events(s.storeLost() - notedStoreLost) + " not stored: the store could not take them (they are in this log)");
        notedState = s.state();
        notedHandoffLost = s.handoffLost();
        notedStoreLost = s.storeLost();
        return out;
    }

    static String events(long n) {
        return n == 1 ? "1 event" : n + " events";
    }

    private void run() {
        List<Event> batch = new ArrayList<>(BATCH);
        Instant nextRetry = clock.instant().plus(settings.retry()), nextPrune = clock.instant();
        boolean pruning = false;
        while (true) {
            batch.clear();
            try {
                Event first = queue.poll(pruning ? 0 : 200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                }
            } catch (InterruptedException e) {
                // close() interrupts a poll only to hurry it; the loop ends once the hand-off is empty
            }
            Instant now = clock.instant();
            if (store == null && !now.isBefore(nextRetry)) {
                reopen();
                nextRetry = now.plus(settings.retry());
            }
            if (!batch.isEmpty()) write(batch);
            if (store != null && (pruning || !now.isBefore(nextPrune))) {
                pruning = prune(now);
                nextPrune = now.plus(MAINTENANCE);
            }
            if (store != null && state != State.OK) {
                state = State.OK;
                since = now;
            }
            if (closing && queue.isEmpty()) break;
        }
        closeStore();
    }

    private void write(List<Event> batch) {
        if (store == null) {
            storeLost += batch.size();
            return;
        }
        try {
            store.append(batch);
            stored += batch.size();
        } catch (StoreException | RuntimeException e) {
            storeLost += batch.size();
            degrade(e.getMessage());
        }
    }

    /** True while there is more to prune. */
    private boolean prune(Instant now) {
        try {
            return store.prune(settings.retention(), now) == EventStore.PRUNE_STEP;
        } catch (StoreException | RuntimeException e) {
            degrade("retention: " + e.getMessage());
            return false;
        }
    }

    private boolean reopen() {
        try {
            store = EventStore.openWriter(settings.db());
            return true;
        } catch (StoreException | RuntimeException e) {
            degrade(e.getMessage());
            return false;
        }
    }

    private void degrade(String why) {
        closeStore();
        reason = why;
        if (state != State.DEGRADED) since = clock.instant();
        state = State.DEGRADED;
    }

    private void closeStore() {
        if (store == null) return;
        try {
            store.close();
        } catch (StoreException ignored) {
            // closing a store that failed: the failure is already the reason
        }
        store = null;
    }

    /** Stores what the hand-off still holds (as far as the store lets it), then closes the store. */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        if (thread == null) return;
        thread.interrupt();
        thread.join();
    }
}
