package dev.filewall.logstore;

import dev.filewall.events.Event;
import dev.filewall.rules.Action;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web view's chart: events per time bucket and action word, counted as 1 + repeats like a summary.
 * It runs on the store's own connection and WHERE clause, so its filters are the queries' to the byte.
 * Buckets start at multiples of the bucket size since the epoch; every bucket of the range is there,
 * empty ones as 0, so a quiet minute shows as a gap.
 */
record LogWebTimeline(Instant start, Duration bucket, Map<String, long[]> counts) {
    /** Buckets an automatic size aims at: enough to see a flood's shape, few enough to draw fast. */
    static final int TARGET = 120;
    /** The most buckets one answer holds, whatever size was asked for. */
    static final int MAX = 10_000;
    private static final List<Duration> NICE = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(3), Duration.ofHours(6), Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(7));
    private static final Pattern SIZE = Pattern.compile("(\\d{1,9})([smhd])");

    /** "10s", "5m", "1h", "1d": a bucket size of a second or more. */
    static Duration parseBucket(String name, String s) throws EventFilters.Invalid {
        Matcher m = SIZE.matcher(s);
        if (m.matches() && Long.parseLong(m.group(1)) > 0) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        throw new EventFilters.Invalid(name + " '" + s + "': expected a bucket size of a second or more: 10s, 5m, 1h, 1d");
    }

    /**
     * The range is the query's since..until; an open end is the first or last event matched (until "now"
     * when only since is given, so "the last 10 minutes" ends now). {@code bucket} null picks a size that
     * gives at most {@link #TARGET} buckets.
     */
    static LogWebTimeline of(EventStore store, EventQuery q, Duration bucket, Instant now) throws StoreException, EventFilters.Invalid {
        synchronized (store) {
            long from, to;
            try {
                long[] range = range(store, q);
                if (range == null) {
                    if (q.since() == null) return new LogWebTimeline(null, bucket == null ? NICE.getFirst() : bucket, empty(0));
                    range = new long[] {EventStore.nanos(q.since()), EventStore.nanos(q.since())};
                }
                from = q.since() != null ? EventStore.nanos(q.since()) : range[0];
                to = q.until() != null ? EventStore.nanos(q.until())
                        : q.since() != null ? Math.max(EventStore.nanos(now), range[1] + 1) : range[1] + 1;
            } catch (SQLException e) {
                throw new StoreException(store.file() + ": " + e.getMessage(), e);
            }
            long size = bucket != null ? bucket.toNanos() : auto(to - from);
            long origin = Math.floorDiv(from, size) * size;
            long n = Math.max(1, Math.ceilDiv(to - origin, size));
            if (n > MAX)
                throw new EventFilters.Invalid("bucket '" + words(Duration.ofNanos(size)) + "' over " + words(Duration.ofNanos(to - from))
                        + " makes " + n + " buckets, more than " + MAX + ": give a larger bucket or a shorter since..until");
            Map<String, long[]> counts = empty((int) n);
            // bounded by [from, to) so an event stored between the two statements cannot land outside the buckets
            EventQuery bounded = q.withSince(EventStore.instant(from)).withUntil(EventStore.instant(to));
            EventStore.Where w = store.where(bounded);
            // one row per bucket, the actions as columns: grouping by action too would sort several times the rows
            String dry = "flags & " + Event.DRY_RUN;
            String sql = "SELECT (time - " + origin + ") / " + size
                    + ", " + sum("action = " + Action.PASS.ordinal())
                    + ", " + sum("action = " + Action.LOG.ordinal())
                    + ", " + sum("action = " + Action.DENY.ordinal() + " AND " + dry + " = 0")
                    + ", " + sum("action = " + Action.DENY.ordinal() + " AND " + dry + " <> 0")
                    + ", " + sum("action NOT IN (" + Action.PASS.ordinal() + ", " + Action.LOG.ordinal() + ", " + Action.DENY.ordinal() + ")")
                    + " FROM " + w.from() + w.sql() + " GROUP BY 1";
            try (PreparedStatement p = w.prepare(store.conn, sql); ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    if (r.getLong(6) > 0) throw new SQLException("events with an action unknown to this filewall");
                    int i = r.getInt(1);
                    counts.get("pass")[i] = r.getLong(2);
                    counts.get("log")[i] = r.getLong(3);
                    counts.get("deny")[i] = r.getLong(4);
                    counts.get("dryrun-deny")[i] = r.getLong(5);
                }
            } catch (SQLException e) {
                throw new StoreException(store.file() + ": " + e.getMessage(), e);
            }
            return new LogWebTimeline(EventStore.instant(origin), Duration.ofNanos(size), counts);
        }
    }

    private static String sum(String condition) {
        return "sum(CASE WHEN " + condition + " THEN 1 + repeats ELSE 0 END)";
    }

    /** The first and last time matched, or null when nothing is. */
    private static long[] range(EventStore store, EventQuery q) throws SQLException {
        Long first = end(store, q, "ASC"), last = end(store, q, "DESC");
        return first == null ? null : new long[] {first, last};
    }

    /** Two ordered lookups rather than min() and max() in one: unfiltered, each is one step down the time index. */
    private static Long end(EventStore store, EventQuery q, String order) throws SQLException {
        EventStore.Where w = store.where(q);
        try (PreparedStatement p = w.prepare(store.conn, "SELECT time FROM " + w.from() + w.sql() + " ORDER BY time " + order + " LIMIT 1");
             ResultSet r = p.executeQuery()) {
            return r.next() ? r.getLong(1) : null;
        }
    }

    private static long auto(long span) {
        for (Duration d : NICE) if (Math.ceilDiv(span, d.toNanos()) <= TARGET) return d.toNanos();
        long day = Duration.ofDays(1).toNanos();
        return Math.ceilDiv(Math.ceilDiv(span, TARGET), day) * day;
    }

    private static Map<String, long[]> empty(int n) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String a : EventQuery.ACTIONS) m.put(a, new long[n]);
        return m;
    }

    /** A duration as an operator writes it: 90s, 5m, 2h, 3d. */
    static String words(Duration d) {
        long s = d.toSeconds();
        if (s % 86400 == 0 && s > 0) return s / 86400 + "d";
        if (s % 3600 == 0 && s > 0) return s / 3600 + "h";
        if (s % 60 == 0 && s > 0) return s / 60 + "m";
        return s + "s";
    }
}
