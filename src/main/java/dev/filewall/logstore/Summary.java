package dev.filewall.logstore;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * One line of a summary: the events that share a key, counted as 1 + repeats each (a record folds the
 * identical events the kernel counted instead of sending), and the first and last time one was seen.
 * {@code key} is the exe or path as {@link dev.filewall.events.EventFormat#text} writes it, the operation's
 * name, the rule index ("-" when no rule decided) or the uid.
 */
public record Summary(String key, long count, Instant first, Instant last) {

    /** What a summary groups by; lines are ordered by count, largest first, ties by key (bytes, or numbers). */
    public enum By {
        EXE("exe"), PATH("path"), OP("op"), RULE("rule"), UID("uid");

        final String column;

        By(String column) {
            this.column = column;
        }

        public String word() {
            return column;
        }

        public static Optional<By> parse(String s) {
            for (By b : values()) if (b.column.equals(s.toLowerCase(Locale.ROOT))) return Optional.of(b);
            return Optional.empty();
        }
    }
}
