package dev.filewall.logstore;

import java.time.Duration;

/** How long the store keeps events: the oldest go first once either limit is passed; 0 means no limit. */
public record Retention(Duration maxAge, long maxBytes) {
    public static final Retention DEFAULT = new Retention(Duration.ofDays(30), 1024L << 20);
    public static final Retention NONE = new Retention(Duration.ZERO, 0);

    public Retention {
        if (maxAge.isNegative() || maxBytes < 0) throw new IllegalArgumentException("retention limits cannot be negative");
    }
}
