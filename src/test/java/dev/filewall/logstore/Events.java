package dev.filewall.logstore;

import dev.filewall.events.Event;
import dev.filewall.rules.Action;
import dev.filewall.rules.Glob;
import dev.filewall.rules.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Generated events and queries, and the naive filter the store must agree with. */
final class Events {
    private Events() {}

    static final Instant BASE = Instant.parse("2026-03-15T15:42:12Z");

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Strings that put the store's encoding and the globs' byte semantics to the test. */
    static final List<byte[]> STRINGS = List.of(b("/usr/bin/irjsypzavm"), b("/usr/bin/rm"), b("/usr/lib/libudev.so"),
            b("/tmp/szklfovzwg"), b("/bin/a,b"), b("/tmp/say \"hi\""), b("/tmp/two\nlines\r"), b("/usr/bin/caf\u00e9"),
            b("/t/back\\slash\\xff"), new byte[] {'/', 't', (byte) 0xff, (byte) 0xfe, '/', 'x'},
            new byte[] {'/', 'u', 's', 'r', '/', 'b', 'i', 'n', '/', (byte) 0xc3}, b("/star*[x]?"), b(""), b("#not a note"));

    static Arbitrary<byte[]> bytes() {
        Arbitrary<byte[]> random = Arbitraries.of((byte) '/', (byte) 'a', (byte) 'b', (byte) ',', (byte) '"', (byte) '\n',
                (byte) '\\', (byte) 'x', (byte) '*', (byte) 0xc3, (byte) 0xa9, (byte) 0xff, (byte) 0x80, (byte) 0)
                .list().ofMaxSize(8).map(l -> {
                    byte[] out = new byte[l.size()];
                    for (int i = 0; i < out.length; i++) out[i] = l.get(i);
                    return out;
                });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, Arbitraries.of(STRINGS)), net.jqwik.api.Tuple.of(1, random));
    }

    static Arbitrary<Event> event() {
        Arbitrary<Instant> time = Arbitraries.longs().between(0, 600).flatMap(s -> Arbitraries.of(0, 0, 1, 999_999_999)
                .map(ns -> BASE.plusSeconds(s).plusNanos(ns)));
        Arbitrary<Integer> repeats = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(1, 5)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1000, 1_000_000)));
        Arbitrary<byte[]> path2 = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(2, Arbitraries.just(new byte[0])),
                net.jqwik.api.Tuple.of(1, bytes()));
        Arbitrary<Object[]> ids = Combinators.combine(Arbitraries.of(Operation.class), Arbitraries.of(0L, 1000L, 4294967295L),
                Arbitraries.of(1, 2, 14840), Arbitraries.integers().between(-1, 3), Arbitraries.of(Action.class),
                Arbitraries.integers().between(0, 127), Arbitraries.integers().between(0, 3), repeats)
                .as((op, uid, pid, rule, action, flags, gen, rep) -> new Object[] {op, uid, pid, rule, action, flags, gen, rep});
        return Combinators.combine(time, ids, bytes(), bytes(), bytes(), path2).as((t, i, exe, cmd, path, p2) ->
                new Event(t, (Operation) i[0], (Long) i[1], (Integer) i[2], 1, (Integer) i[3], (Action) i[4], (Integer) i[5],
                        (Integer) i[6], (Integer) i[7], exe, cmd, path, p2));
    }

    static final List<String> GLOBS = List.of("*", "/usr/bin/*", "/usr/bin/irj*", "*a*", "/t?p/*", "[!/]*", "*\\**",
            "/usr/bin/[a-r]*", "*caf\u00e9", "*[\u00e9]*", "?", "", "/tmp/say*", "*,*", "*\"*", "*\n*", "/t/back\\\\*",
            "/usr/lib/libudev.so", "/usr/bin/?", "/*/*", "#*");

    static Arbitrary<Glob> glob() {
        Arbitrary<String> random = Arbitraries.of("/", "a", "b", "*", "?", "[a-z]", "[!a]", "\u00e9", ",", "\\*", "x")
                .list().ofMaxSize(5).map(l -> String.join("", l));
        return Arbitraries.oneOf(Arbitraries.of(GLOBS), random).map(s -> {
            try {
                return Glob.parse(s);
            } catch (Glob.SyntaxError e) {
                throw new IllegalStateException(s, e);
            }
        });
    }

    static Arbitrary<EventQuery> query() {
        Arbitrary<Instant> time = Arbitraries.longs().between(-1, 601).map(BASE::plusSeconds);
        Arbitrary<Object[]> a = Combinators.combine(time.injectNull(0.6), time.injectNull(0.6),
                Arbitraries.of(Operation.class).injectNull(0.8), Arbitraries.of(EventQuery.ACTIONS).injectNull(0.7),
                Arbitraries.of(0L, 1000L, 4294967295L, 7L).injectNull(0.8), Arbitraries.of(1, 2, 14840).injectNull(0.8))
                .as((s, u, op, act, uid, pid) -> new Object[] {s, u, op, act, uid, pid});
        Arbitrary<Object[]> b = Combinators.combine(glob().injectNull(0.5), glob().injectNull(0.5),
                Arbitraries.integers().between(-1, 4).injectNull(0.8), Arbitraries.longs().between(0, 20),
                Arbitraries.integers().between(0, 8), Arbitraries.of(true, false))
                .as((exe, path, rule, after, limit, newest) -> new Object[] {exe, path, rule, after, limit, newest});
        return Combinators.combine(a, b).as((x, y) -> new EventQuery((Instant) x[0], (Instant) x[1], (Operation) x[2],
                (String) x[3], (Long) x[4], (Integer) x[5], (Glob) y[0], (Glob) y[1], (Integer) y[2], (Long) y[3],
                (Integer) y[4], (Boolean) y[5]));
    }

    /** The events as the store numbers them: 1, 2, ... in the order given. */
    static List<StoredEvent> numbered(List<Event> events) {
        List<StoredEvent> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) out.add(new StoredEvent(i + 1, events.get(i)));
        return out;
    }

    static boolean matches(EventQuery q, StoredEvent s) {
        Event e = s.event();
        return (q.since() == null || !e.time().isBefore(q.since())) && (q.until() == null || e.time().isBefore(q.until()))
                && (q.op() == null || e.op() == q.op()) && (q.action() == null || e.actionWord().equals(q.action()))
                && (q.uid() == null || e.uid() == q.uid()) && (q.pid() == null || e.pid() == q.pid())
                && (q.rule() == null || e.rule() == q.rule()) && s.id() > q.afterId()
                && (q.exe() == null || q.exe().matches(e.exe()))
                && (q.path() == null || q.path().matches(e.path()) || e.path2().length > 0 && q.path().matches(e.path2()));
    }

    static List<StoredEvent> naiveQuery(List<StoredEvent> all, EventQuery q) {
        Comparator<StoredEvent> order = Comparator.comparing((StoredEvent s) -> s.event().time()).thenComparingLong(StoredEvent::id);
        List<StoredEvent> out = all.stream().filter(s -> matches(q, s)).sorted(q.newestFirst() ? order.reversed() : order).toList();
        return q.limit() > 0 && out.size() > q.limit() ? out.subList(0, q.limit()) : out;
    }

    static List<Summary> naiveSummary(List<StoredEvent> all, EventQuery q, Summary.By by) {
        record Group(Object sortKey, String key, long count, Instant first, Instant last) {}
        Map<String, Group> groups = new LinkedHashMap<>();
        for (StoredEvent s : all) {
            if (!matches(q, s)) continue;
            Event e = s.event();
            Object sortKey = switch (by) {
                case EXE -> e.exe();
                case PATH -> e.path();
                case OP -> (long) e.op().ordinal();
                case RULE -> (long) e.rule();
                case UID -> e.uid();
            };
            String key = switch (by) {
                case EXE -> dev.filewall.events.EventFormat.text(e.exe());
                case PATH -> dev.filewall.events.EventFormat.text(e.path());
                case OP -> e.op().name();
                case RULE -> e.rule() < 0 ? "-" : Integer.toString(e.rule());
                case UID -> Long.toString(e.uid());
            };
            long n = 1 + Integer.toUnsignedLong(e.repeats());
            Group g = groups.get(key);
            groups.put(key, g == null ? new Group(sortKey, key, n, e.time(), e.time())
                    : new Group(sortKey, key, g.count + n, min(g.first, e.time()), max(g.last, e.time())));
        }
        Comparator<Group> byKey = (x, y) -> x.sortKey instanceof byte[] a ? Arrays.compareUnsigned(a, (byte[]) y.sortKey)
                : Long.compare((Long) x.sortKey, (Long) y.sortKey);
        List<Summary> out = groups.values().stream().sorted(Comparator.comparingLong((Group g) -> -g.count).thenComparing(byKey))
                .map(g -> new Summary(g.key, g.count, g.first, g.last)).toList();
        return q.limit() > 0 && out.size() > q.limit() ? out.subList(0, q.limit()) : out;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** Every field, the strings as hex: two events are the same event when these are equal. */
    static String canon(StoredEvent s) {
        Event e = s.event();
        HexFormat h = HexFormat.of();
        return s.id() + " " + e.time() + " " + e.op() + " " + e.uid() + " " + e.pid() + " " + e.ppid() + " " + e.rule() + " "
                + e.action() + " " + e.flags() + " " + e.generation() + " " + e.repeats() + " " + h.formatHex(e.exe()) + " "
                + h.formatHex(e.cmdline()) + " " + h.formatHex(e.path()) + " " + h.formatHex(e.path2());
    }

    static List<String> canon(List<StoredEvent> l) {
        return l.stream().map(Events::canon).toList();
    }

    /** A plain event for the tests that need many. */
    static Event simple(Instant t, String exe, String path, int repeats) {
        return new Event(t, Operation.CREATE, 0, 14840, 1, 2, Action.DENY, 0, 1, repeats, b(exe), b(exe + " -x"), b(path),
                new byte[0]);
    }
}
