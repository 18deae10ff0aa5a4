package dev.filewall.rules;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One rule. An empty list (or set) means the field was left out or written as {@code *}:
 * it matches everything, except that an empty operation set matches only operations that
 * modify ({@link Operation#modifies()}). {@code line} is where the rule starts in its file (0 when built in code)
 * and takes no part in equality.
 */
public record Rule(String name, List<UidRange> uids, List<Glob> exePaths, List<Glob> cmdlines,
                   Set<Operation> operations, List<Glob> filePaths, Action action, int line) {

    public Rule {
        uids = List.copyOf(uids);
        exePaths = List.copyOf(exePaths);
        cmdlines = List.copyOf(cmdlines);
        operations = operations.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(operations));
        filePaths = List.copyOf(filePaths);
    }

    public boolean admitsUid(long uid) {
        return uids.isEmpty() || uids.stream().anyMatch(r -> r.contains(uid));
    }

    public boolean admitsOperation(Operation query) {
        return operations.isEmpty() ? query.modifies() : operations.stream().anyMatch(o -> o.covered().contains(query));
    }

    public static boolean anyMatches(List<Glob> globs, byte[] s) {
        return globs.isEmpty() || globs.stream().anyMatch(g -> g.matches(s));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rule r && java.util.Objects.equals(name, r.name) && uids.equals(r.uids)
                && exePaths.equals(r.exePaths) && cmdlines.equals(r.cmdlines)
                && operations.equals(r.operations) && filePaths.equals(r.filePaths) && action == r.action;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(name, uids, exePaths, cmdlines, operations, filePaths, action);
    }
}
