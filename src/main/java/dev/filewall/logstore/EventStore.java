package dev.filewall.logstore;

import dev.filewall.events.Event;
import dev.filewall.events.EventFormat;
import dev.filewall.rules.Action;
import dev.filewall.rules.Glob;
import dev.filewall.rules.Operation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.sqlite.Function;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * The event store: one SQLite database in WAL mode, so readers ({@code filewall log}, the web view)
 * run while the daemon writes. Strings are kept as the kernel's raw bytes (BLOBs). Glob filters are
 * decided by {@link Glob#matches}, SQLite only narrowing the candidates: SQL's GLOB works on UTF-8
 * characters, the rules' globs on bytes. Methods are synchronized: one connection, any thread.
 */
public final class EventStore implements AutoCloseable {
    /** 'FWEV' in the database header: tells a filewall store from any other SQLite file. */
    static final int APPLICATION_ID = 0x46574556;
    static final int SCHEMA_VERSION = 1;
    /** Rows deleted per retention step: small enough that the writer stays responsive. */
    static final int PRUNE_STEP = 1000;

    private static final String COLUMNS = "id, time, op, uid, pid, ppid, rule, action, flags, generation, repeats, exe, cmdline, path, path2";
    private static final String TABLE = """
            CREATE TABLE events (
              id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a tail's cursor
              time INTEGER NOT NULL,                -- nanoseconds since 1970-01-01T00:00Z
              op INTEGER NOT NULL,                  -- enum fw_op
              uid INTEGER NOT NULL, pid INTEGER NOT NULL, ppid INTEGER NOT NULL,
              rule INTEGER NOT NULL,                -- rule index, -1 when no rule decided
              action INTEGER NOT NULL,              -- enum fw_action
              flags INTEGER NOT NULL, generation INTEGER NOT NULL,
              repeats INTEGER NOT NULL,             -- identical events folded into this one
              exe BLOB NOT NULL, cmdline BLOB NOT NULL, path BLOB NOT NULL, path2 BLOB NOT NULL)""";
    // (key, time, repeats) covers a summary by key, so it reads the index alone
    private static final List<String> INDEXES = List.of(
            "CREATE INDEX IF NOT EXISTS events_time ON events(time)",
            "CREATE INDEX IF NOT EXISTS events_exe ON events(exe, time, repeats)",
            "CREATE INDEX IF NOT EXISTS events_path ON events(path, time, repeats)",
            "CREATE INDEX IF NOT EXISTS events_path2 ON events(path2) WHERE path2 <> X''",
            "CREATE INDEX IF NOT EXISTS events_op ON events(op, time, repeats)",
            "CREATE INDEX IF NOT EXISTS events_rule ON events(rule, time, repeats)",
            "CREATE INDEX IF NOT EXISTS events_uid ON events(uid, time, repeats)",
            "CREATE INDEX IF NOT EXISTS events_pid ON events(pid)");

    private final Path file;
    final Connection conn;
    private final boolean temporary;
    /** The patterns fw_glob(i, bytes) tests for the statement being run. */
    private final List<Glob> globs = new ArrayList<>();

    private EventStore(Path file, Connection conn, boolean temporary) throws SQLException {
        this.file = file;
        this.conn = conn;
        this.temporary = temporary;
        Function.create(conn, "fw_glob", new Function() {
            @Override
            protected void xFunc() throws SQLException {
                byte[] b = value_blob(1);
                result(globs.get(value_int(0)).matches(b == null ? new byte[0] : b) ? 1 : 0);
            }
        }, 2, Function.FLAG_DETERMINISTIC);
    }

    /** The daemon's store: created with its directory if missing; fails on a file that is not a filewall store. */
    public static EventStore openWriter(Path file) throws StoreException {
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new StoreException(file + ": cannot create its directory: " + e, e);
        }
        SQLiteConfig c = new SQLiteConfig();
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        c.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        c.setBusyTimeout(1000);
        c.setJournalSizeLimit(32 << 20);
        // the indexes take random inserts: a cache that holds their upper levels saves most reads
        c.setCacheSize(-32 << 10);
        EventStore s = open(file, c, true, false);
        // opening only reads: take the write lock once, so a store another process holds locked fails here
        try (Statement st = s.conn.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            closeQuietly(s.conn);
            throw s.fail(e);
        }
        return s;
    }

    /** A reader of an existing store, the daemon's (while it writes) or a copy; it never writes. */
    public static EventStore openReader(Path file) throws StoreException {
        if (!Files.isRegularFile(file)) throw new StoreException(file + ": no such file");
        SQLiteConfig c = new SQLiteConfig();
        c.setReadOnly(true);
        c.setOpenMode(SQLiteOpenMode.READONLY);
        c.setBusyTimeout(5000);
        c.setCacheSize(-32 << 10);
        // a summary walks a whole index: mapped pages spare a read() per page
        c.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, Long.toString(256L << 20));
        return open(file, c, false, false);
    }

    /** A store in a temporary file, deleted on close: for an imported CSV log. Call {@link #addIndexes()} once filled. */
    public static EventStore createTemporary() throws StoreException {
        return createTemporary(null);
    }

    /** The same, beside {@code fallback} (a directory) when this process may not write in java.io.tmpdir. */
    public static EventStore createTemporary(Path fallback) throws StoreException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Path dir = fallback == null ? tmp : writable(tmp, fallback), f;
        try {
            f = Files.createTempFile(dir, "filewall-import-", ".db");
        } catch (IOException e) {
            throw new StoreException("cannot create a temporary store in " + dir + ": " + e.getMessage()
                    + " (a rule may deny writing there: set another directory with JAVA_TOOL_OPTIONS=-Djava.io.tmpdir=DIR)", e);
        }
        SQLiteConfig c = new SQLiteConfig();
        // a throwaway copy: no journal, no syncing
        c.setJournalMode(SQLiteConfig.JournalMode.OFF);
        c.setSynchronous(SQLiteConfig.SynchronousMode.OFF);
        return open(f, c, true, true);
    }

    /**
     * {@code dir} if this process may create a file there, else {@code fallback}. Rules can deny writing in /tmp
     * to every process but the daemon (the seed's do), and {@code filewall log} is one of them; whether they do
     * shows only by trying (access(2) does not ask the LSM), and a denied try is a logged event.
     */
    static Path writable(Path dir, Path fallback) {
        try {
            Files.delete(Files.createTempFile(dir, "filewall-", ".probe"));
            return dir;
        } catch (IOException e) {
            return fallback;
        }
    }

    private static boolean nativePlaced;

    /**
     * sqlite-jdbc unpacks its native library into org.sqlite.tmpdir (default java.io.tmpdir) and loads it from
     * there, once per process: beside the store, where a reader writes anyway (WAL's -shm), else java.io.tmpdir.
     */
    private static synchronized void placeNativeLibrary(Path file) {
        if (nativePlaced || System.getProperty("org.sqlite.tmpdir") != null) return;
        nativePlaced = true;
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")), dir = file.toAbsolutePath().getParent();
        System.setProperty("org.sqlite.tmpdir", (dir == null ? tmp : writable(dir, tmp)).toString());
    }

    private static EventStore open(Path file, SQLiteConfig config, boolean create, boolean temporary) throws StoreException {
        placeNativeLibrary(file);
        Connection conn = null;
        try {
            conn = config.createConnection("jdbc:sqlite:" + file);
            EventStore s = new EventStore(file, conn, temporary);
            s.checkSchema(create, !temporary);
            return s;
        } catch (SQLException e) {
            closeQuietly(conn);
            throw new StoreException(file + ": " + e.getMessage(), e);
        } catch (StoreException e) {
            closeQuietly(conn);
            throw e;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c != null) c.close();
        } catch (SQLException ignored) {
            // the open failed already; that error is the one to report
        }
    }

    private void checkSchema(boolean create, boolean withIndexes) throws SQLException, StoreException {
        int app = pragma("application_id"), version = pragma("user_version");
        if (app == 0 && create && tableCount() == 0) {
            conn.setAutoCommit(false);
            try (Statement s = conn.createStatement()) {
                s.execute(TABLE);
                if (withIndexes) for (String i : INDEXES) s.execute(i);
                s.execute("PRAGMA application_id = " + APPLICATION_ID);
                s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            }
            conn.commit();
            conn.setAutoCommit(true);
            return;
        }
        if (app != APPLICATION_ID)
            throw new StoreException(file + ": " + (app == 0 && tableCount() == 0 ? "an empty database, not a filewall event store"
                    : "an SQLite database, but not a filewall event store"));
        if (version != SCHEMA_VERSION)
            throw new StoreException(file + ": event store schema " + version + ", this filewall reads schema " + SCHEMA_VERSION);
    }

    private int pragma(String name) throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet r = s.executeQuery("PRAGMA " + name)) {
            return r.next() ? r.getInt(1) : 0;
        }
    }

    private int tableCount() throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
            return r.next() ? r.getInt(1) : 0;
        }
    }

    public Path file() {
        return file;
    }

    /** Creates the query indexes: a temporary store is filled first, which is faster without them. */
    public synchronized void addIndexes() throws StoreException {
        try (Statement s = conn.createStatement()) {
            for (String i : INDEXES) s.execute(i);
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    /** Stores the events in one transaction: all or none. */
    public synchronized void append(List<Event> events) throws StoreException {
        try {
            conn.setAutoCommit(false);
            try (PreparedStatement p = conn.prepareStatement("INSERT INTO events (" + COLUMNS.substring(4)
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Event e : events) {
                    p.setLong(1, nanos(e.time()));
                    p.setInt(2, e.op().ordinal());
                    p.setLong(3, e.uid());
                    p.setInt(4, e.pid());
                    p.setInt(5, e.ppid());
                    p.setInt(6, e.rule());
                    p.setInt(7, e.action().ordinal());
                    p.setInt(8, e.flags());
                    p.setInt(9, e.generation());
                    p.setLong(10, Integer.toUnsignedLong(e.repeats()));
                    p.setBytes(11, e.exe());
                    p.setBytes(12, e.cmdline());
                    p.setBytes(13, e.path());
                    p.setBytes(14, e.path2());
                    p.addBatch();
                }
                p.executeBatch();
                conn.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    private void rollbackQuietly() {
        try {
            conn.rollback();
        } catch (SQLException ignored) {
            // the failure that led here is the one reported
        }
    }

    /** Nanoseconds since the epoch; throws IllegalArgumentException outside 1677..2262, which a long cannot hold. */
    static long nanos(Instant t) {
        try {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("time " + t + " is outside what the store holds (years 1677 to 2262)");
        }
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    public synchronized List<StoredEvent> query(EventQuery q) throws StoreException {
        List<StoredEvent> out = new ArrayList<>();
        query(q, out::add);
        return out;
    }

    /** Hands each matching event to {@code sink} in order, without holding them all in memory. */
    public synchronized void query(EventQuery q, Consumer<StoredEvent> sink) throws StoreException {
        Where w = where(q);
        String order = q.newestFirst() ? " ORDER BY time DESC, id DESC" : " ORDER BY time, id";
        // with a limit, sort ids first: an index often covers the filter, and only the kept rows are read whole
        String sql = q.limit() > 0
                ? "SELECT " + COLUMNS + " FROM events WHERE id IN (SELECT id FROM " + w.from + w.sql + order + " LIMIT " + q.limit() + ")" + order
                : "SELECT " + COLUMNS + " FROM " + w.from + w.sql + order;
        try (PreparedStatement p = w.prepare(conn, sql); ResultSet r = p.executeQuery()) {
            while (r.next()) sink.accept(row(r));
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    private StoredEvent row(ResultSet r) throws SQLException {
        long id = r.getLong(1);
        int op = r.getInt(3), action = r.getInt(8);
        if (op < 0 || op >= Operation.values().length || action < 0 || action >= Action.values().length)
            throw new SQLException("event id " + id + " has operation " + op + " and action " + action + ", unknown to this filewall");
        return new StoredEvent(id, new Event(instant(r.getLong(2)), Operation.values()[op], r.getLong(4), r.getInt(5),
                r.getInt(6), r.getInt(7), Action.values()[action], r.getInt(9), r.getInt(10), (int) r.getLong(11),
                bytes(r, 12), bytes(r, 13), bytes(r, 14), bytes(r, 15)));
    }

    private static byte[] bytes(ResultSet r, int col) throws SQLException {
        byte[] b = r.getBytes(col);
        return b == null ? new byte[0] : b;
    }

    /** The events matching {@code q} grouped by {@code by}; {@code q}'s limit keeps the largest groups. */
    public synchronized List<Summary> summary(EventQuery q, Summary.By by) throws StoreException {
        Where w = where(q);
        // A filter the key's (key, time, repeats) index holds is left to SQLite, which walks that index. Any other
        // is applied first, the matches collected: else SQLite walks the index still and reads every row to test it.
        boolean covered = covered(q, by);
        String sql = (covered ? "" : "WITH m AS MATERIALIZED (SELECT " + by.column + ", repeats, time FROM " + w.from + w.sql + ") ")
                + "SELECT " + by.column + ", sum(1 + repeats), min(time), max(time) FROM " + (covered ? "events" + w.sql : "m")
                + " GROUP BY " + by.column + " ORDER BY 2 DESC, 1" + (q.limit() > 0 ? " LIMIT " + q.limit() : "");
        List<Summary> out = new ArrayList<>();
        try (PreparedStatement p = w.prepare(conn, sql); ResultSet r = p.executeQuery()) {
            while (r.next()) out.add(new Summary(key(by, r), r.getLong(2), instant(r.getLong(3)), instant(r.getLong(4))));
        } catch (SQLException e) {
            throw fail(e);
        }
        return out;
    }

    /** Whether q filters on nothing but time and by's own column. */
    private static boolean covered(EventQuery q, Summary.By by) {
        return q.afterId() == 0 && q.action() == null && q.pid() == null && q.path() == null
                && (q.op() == null || by == Summary.By.OP) && (q.uid() == null || by == Summary.By.UID)
                && (q.rule() == null || by == Summary.By.RULE) && (q.exe() == null || by == Summary.By.EXE);
    }

    private static String key(Summary.By by, ResultSet r) throws SQLException {
        return switch (by) {
            case EXE, PATH -> EventFormat.text(bytes(r, 1));
            case OP -> {
                int op = r.getInt(1);
                yield op >= 0 && op < Operation.values().length ? Operation.values()[op].name() : "op " + op;
            }
            case RULE -> r.getInt(1) < 0 ? "-" : Integer.toString(r.getInt(1));
            case UID -> Long.toString(r.getLong(1));
        };
    }

    /** The highest id stored, 0 when none ever was: where a live tail starts. */
    public synchronized long lastId() throws StoreException {
        try (Statement s = conn.createStatement(); ResultSet r = s.executeQuery("SELECT coalesce(max(id), 0) FROM events")) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    /** Bytes of the database's pages in use: freed pages are reused, so the file stays near its largest size. */
    public synchronized long usedBytes() throws StoreException {
        try {
            return ((long) pragma("page_count") - pragma("freelist_count")) * pragma("page_size");
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    /**
     * One step of retention: deletes up to {@link #PRUNE_STEP} of the oldest events older than the age
     * limit, or, if none is, while the store is over its size limit. Returns how many it deleted; 0 when
     * the store is within both limits.
     */
    public synchronized int prune(Retention r, Instant now) throws StoreException {
        try {
            if (!r.maxAge().isZero()) {
                int n = delete("SELECT id FROM events WHERE time < ? ORDER BY time LIMIT " + PRUNE_STEP,
                        nanos(now.minus(r.maxAge())));
                if (n > 0) return n;
            }
            if (r.maxBytes() > 0 && usedBytes() > r.maxBytes())
                return delete("SELECT id FROM events ORDER BY id LIMIT " + PRUNE_STEP);
            return 0;
        } catch (SQLException e) {
            throw fail(e);
        }
    }

    private int delete(String ids, Object... params) throws SQLException {
        try (PreparedStatement p = conn.prepareStatement("DELETE FROM events WHERE id IN (" + ids + ")")) {
            for (int i = 0; i < params.length; i++) p.setObject(i + 1, params[i]);
            return p.executeUpdate();
        }
    }

    private StoreException fail(SQLException e) {
        return new StoreException(file + ": " + e.getMessage(), e);
    }

    /** The table (with a hint for the planner), a WHERE clause, and its parameters in order. */
    record Where(String from, String sql, List<Object> params) {
        PreparedStatement prepare(Connection c, String statement) throws SQLException {
            PreparedStatement p = c.prepareStatement(statement);
            for (int i = 0; i < params.size(); i++) p.setObject(i + 1, params.get(i));
            return p;
        }
    }

    Where where(EventQuery q) {
        globs.clear();
        List<String> terms = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        if (q.since() != null) {
            terms.add("time >= ?");
            params.add(nanos(q.since()));
        }
        if (q.until() != null) {
            terms.add("time < ?");
            params.add(nanos(q.until()));
        }
        if (q.op() != null) {
            terms.add("op = ?");
            params.add(q.op().ordinal());
        }
        if (q.action() != null) terms.add(switch (q.action()) {
            case "pass" -> "action = " + Action.PASS.ordinal();
            case "log" -> "action = " + Action.LOG.ordinal();
            case "deny" -> "action = " + Action.DENY.ordinal() + " AND flags & " + Event.DRY_RUN + " = 0";
            default -> "action = " + Action.DENY.ordinal() + " AND flags & " + Event.DRY_RUN + " <> 0";
        });
        if (q.uid() != null) {
            terms.add("uid = ?");
            params.add(q.uid());
        }
        if (q.pid() != null) {
            terms.add("pid = ?");
            params.add(q.pid());
        }
        if (q.rule() != null) {
            terms.add("rule = ?");
            params.add(q.rule());
        }
        if (q.afterId() > 0) {
            terms.add("id > ?");
            params.add(q.afterId());
        }
        if (q.exe() != null && !q.exe().matchesAll()) terms.add(glob("exe", q.exe(), params));
        if (q.path() != null && !q.path().matchesAll())
            terms.add("(" + glob("path", q.path(), params) + " OR path2 <> X'' AND " + glob("path2", q.path(), params) + ")");
        // a tail's "id > ?" leaves few rows: read those by rowid, not the whole time index in time order
        return new Where(q.afterId() > 0 ? "events NOT INDEXED" : "events", terms.isEmpty() ? "" : " WHERE " + String.join(" AND ", terms),
                params);
    }

    /**
     * Narrows by the pattern's literal prefix (an index range) and its longest literal run (instr, bytewise
     * on BLOBs), both in SQLite; fw_glob decides.
     */
    private String glob(String column, Glob g, List<Object> params) {
        List<String> t = new ArrayList<>();
        byte[] prefix = literalRun(g, 0);
        if (prefix.length > 0) {
            t.add(column + " >= ?");
            params.add(prefix);
            byte[] above = above(prefix);
            if (above != null) {
                t.add(column + " < ?");
                params.add(above);
            }
        }
        byte[] longest = new byte[0];
        for (int i = prefix.length; i < g.nodes().size(); i++) {
            byte[] run = literalRun(g, i);
            if (run.length > longest.length) longest = run;
        }
        if (longest.length > 1) {
            t.add("instr(" + column + ", ?) > 0");
            params.add(longest);
        }
        globs.add(g);
        t.add("fw_glob(" + (globs.size() - 1) + ", " + column + ")");
        return "(" + String.join(" AND ", t) + ")";
    }

    private static byte[] literalRun(Glob g, int from) {
        int end = from;
        while (end < g.nodes().size() && g.nodes().get(end) instanceof Glob.Literal) end++;
        byte[] b = new byte[end - from];
        for (int i = from; i < end; i++) b[i - from] = (byte) ((Glob.Literal) g.nodes().get(i)).b();
        return b;
    }

    /** The smallest byte string above every string starting with {@code prefix}; null when there is none (all 0xff). */
    static byte[] above(byte[] prefix) {
        int n = prefix.length;
        while (n > 0 && prefix[n - 1] == (byte) 0xff) n--;
        if (n == 0) return null;
        byte[] b = Arrays.copyOf(prefix, n);
        b[n - 1]++;
        return b;
    }

    @Override
    public synchronized void close() throws StoreException {
        try {
            conn.close();
        } catch (SQLException e) {
            throw fail(e);
        } finally {
            if (temporary) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file the system cleans up anyway
                }
            }
        }
    }
}
