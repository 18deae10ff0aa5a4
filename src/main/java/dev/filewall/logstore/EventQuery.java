package dev.filewall.logstore;

import dev.filewall.rules.Glob;
import dev.filewall.rules.Operation;
import java.time.Instant;
import java.util.List;

/**
 * Which events a query or summary takes; a null field does not filter. {@code since} is inclusive and
 * {@code until} exclusive. {@code action} is the log's action word ({@link #ACTIONS}): "deny" is an
 * enforced deny, "dryrun-deny" one that --dry-run let pass. {@code exe} and {@code path} are the rule
 * language's byte globs; {@code path} matches the path or, when there is one, the second path.
 * {@code rule} -1 takes the events no rule decided. {@code afterId} takes ids above it (a live tail's
 * cursor; 0 takes all). {@code limit} 0 is no limit; with {@code newestFirst} the limit keeps the newest.
 * Events come ordered by time, ties in the order they were stored.
 */
public record EventQuery(Instant since, Instant until, Operation op, String action, Long uid, Integer pid, Glob exe,
                         Glob path, Integer rule, long afterId, int limit, boolean newestFirst) {

    public static final List<String> ACTIONS = List.of("pass", "log", "deny", "dryrun-deny");
    public static final EventQuery ALL = new EventQuery(null, null, null, null, null, null, null, null, null, 0, 0, false);

    public EventQuery {
        if (action != null && !ACTIONS.contains(action))
            throw new IllegalArgumentException("action '" + action + "': expected one of " + String.join(", ", ACTIONS));
        if (limit < 0) throw new IllegalArgumentException("limit " + limit + " is negative");
    }

    public EventQuery withSince(Instant v) {
        return new EventQuery(v, until, op, action, uid, pid, exe, path, rule, afterId, limit, newestFirst);
    }

    public EventQuery withUntil(Instant v) {
        return new EventQuery(since, v, op, action, uid, pid, exe, path, rule, afterId, limit, newestFirst);
    }

    public EventQuery withOp(Operation v) {
        return new EventQuery(since, until, v, action, uid, pid, exe, path, rule, afterId, limit, newestFirst);
    }

    public EventQuery withAction(String v) {
        return new EventQuery(since, until, op, v, uid, pid, exe, path, rule, afterId, limit, newestFirst);
    }

    public EventQuery withUid(Long v) {
        return new EventQuery(since, until, op, action, v, pid, exe, path, rule, afterId, limit, newestFirst);
    }

    public EventQuery withPid(Integer v) {
        return new EventQuery(since, until, op, action, uid, v, exe, path, rule, afterId, limit, newestFirst);
    }

    public EventQuery withExe(Glob v) {
        return new EventQuery(since, until, op, action, uid, pid, v, path, rule, afterId, limit, newestFirst);
    }

    public EventQuery withPath(Glob v) {
        return new EventQuery(since, until, op, action, uid, pid, exe, v, rule, afterId, limit, newestFirst);
    }

    public EventQuery withRule(Integer v) {
        return new EventQuery(since, until, op, action, uid, pid, exe, path, v, afterId, limit, newestFirst);
    }

    public EventQuery withAfterId(long v) {
        return new EventQuery(since, until, op, action, uid, pid, exe, path, rule, v, limit, newestFirst);
    }

    public EventQuery withLimit(int v) {
        return new EventQuery(since, until, op, action, uid, pid, exe, path, rule, afterId, v, newestFirst);
    }

    public EventQuery withNewestFirst(boolean v) {
        return new EventQuery(since, until, op, action, uid, pid, exe, path, rule, afterId, limit, v);
    }
}
