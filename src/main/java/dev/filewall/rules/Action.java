package dev.filewall.rules;

import java.util.Locale;
import java.util.Optional;

/** Numbered and ordered by severity as {@code enum fw_action}: combining decisions keeps the most severe. */
public enum Action {
    PASS, LOG, DENY;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Action> parse(String s) {
        for (Action a : values()) if (a.word().equalsIgnoreCase(s)) return Optional.of(a);
        return Optional.empty();
    }
}
