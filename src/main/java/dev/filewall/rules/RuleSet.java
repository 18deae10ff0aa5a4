package dev.filewall.rules;

import java.util.List;

/** A validated rule set: the first matching rule decides, {@code defaultAction} otherwise. */
public record RuleSet(Action defaultAction, List<Rule> rules) {
    public RuleSet {
        rules = List.copyOf(rules);
    }
}
