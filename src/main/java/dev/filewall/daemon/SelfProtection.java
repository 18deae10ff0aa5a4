package dev.filewall.daemon;

import dev.filewall.rules.Action;
import dev.filewall.rules.Glob;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Rule;
import dev.filewall.rules.RuleSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The built-in rules the daemon puts before the rule file's in every table it publishes, so no
 * rule file can remove or reorder them. The daemon is exempt from every rule, so they leave it
 * alone the one process that may change filewall's files:
 * <ol>
 * <li>no operation that modifies (anything but open, read and exec) on filewall's files: the rule
 * file, the configuration, the logs (and their rotations), the store (not its -shm index, which
 * every reader writes), the jar, the launcher, the service unit; and on everything in and below
 * its directories: the pins, /run/filewall, an installed lib/filewall, a config directory named
 * filewall, and the JDK the daemon runs on;</li>
 * <li>no rename of a directory above any of them, which would move them out of their names.</li>
 * </ol>
 * The hooks that guard what is not a file (signals, ptrace, map fds, the bpffs mount) are in bpf/protect.h.
 */
public record SelfProtection(List<Path> files, List<Path> trees) {
    /** The rules it adds, first in the table: event rule indexes below this are self-protection. */
    public static final int RULES = 2;

    /** What a daemon with these options protects; {@code launcher} and {@code jar} may be null (not known). */
    public static SelfProtection of(Daemon.Options opt, Path launcher, Path jar, Path javaHome) throws IOException {
        Set<Path> files = new LinkedHashSet<>(), trees = new LinkedHashSet<>();
        add(files, opt.rules());
        add(files, opt.config());
        for (Path log : new Path[] {opt.log(), opt.jsonLog()}) {
            if (log == null) continue;
            add(files, log);
            add(files, log.resolveSibling(log.getFileName() + "*")); // rotations
        }
        if (opt.store() != null) for (String s : new String[] {"", "-wal", "-journal"})
            add(files, opt.store().resolveSibling(opt.store().getFileName() + s));
        add(files, launcher);
        add(files, jar);
        // a directory of filewall's own (/etc/filewall, PREFIX/lib/filewall): nothing may be added to it either
        for (Path own : new Path[] {opt.config(), jar}) {
            Path dir = own == null ? null : own.toAbsolutePath().normalize().getParent();
            if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals("filewall")) add(trees, dir);
        }
        if (jar != null && jar.getParent() != null && jar.getParent().getParent() != null) {
            Path unit = jar.getParent().getParent().resolve("systemd/system/filewall.service");
            if (Files.exists(unit)) add(files, unit);
        }
        add(trees, opt.pins().root());
        add(trees, opt.pidFile().getParent());
        add(trees, javaHome);
        return new SelfProtection(List.copyOf(files), List.copyOf(trees));
    }

    /** Paths are compared as the kernel resolves them: absolute, with symlinks in existing parents followed. */
    private static void add(Set<Path> to, Path p) throws IOException {
        if (p == null) return;
        Path abs = p.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent != null && Files.exists(parent)) abs = parent.toRealPath().resolve(abs.getFileName());
        to.add(abs);
    }

    public RuleSet prepend(RuleSet user) {
        List<Rule> all = new ArrayList<>(rules());
        all.addAll(user.rules());
        return new RuleSet(user.defaultAction(), all);
    }

    public List<Rule> rules() {
        List<Glob> protect = new ArrayList<>();
        Set<Path> above = new LinkedHashSet<>();
        for (Path f : files) {
            protect.add(glob(f.toString(), f.getFileName().toString().endsWith("*")));
            above.addAll(ancestors(f.getParent()));
        }
        for (Path t : trees) {
            protect.add(glob(t.toString(), false));
            protect.add(glob(t + "/", true));
            above.addAll(ancestors(t.getParent()));
        }
        List<Glob> dirs = above.stream().map(d -> glob(d.toString(), false)).toList();
        return List.of(
                new Rule("self-protection", List.of(), List.of(), List.of(), Set.of(), protect, Action.DENY, 0),
                new Rule("self-protection: directories above", List.of(), List.of(), List.of(), Set.of(Operation.RENAME), dirs,
                        Action.DENY, 0));
    }

    private static List<Path> ancestors(Path dir) {
        List<Path> out = new ArrayList<>();
        for (Path d = dir; d != null && d.getParent() != null; d = d.getParent()) out.add(d);
        return out;
    }

    /** The path literally, then a trailing * when {@code star} (a file name ending in * carries its own). */
    private static Glob glob(String path, boolean star) {
        String literal = star && path.endsWith("*") ? path.substring(0, path.length() - 1) : path;
        StringBuilder b = new StringBuilder();
        for (char c : literal.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == '\\') b.append('\\');
            b.append(c);
        }
        if (star) b.append('*');
        try {
            return Glob.parse(b.toString());
        } catch (Glob.SyntaxError e) {
            throw new IllegalStateException("an escaped path is a valid pattern: " + b, e);
        }
    }

    /** For the operator: what the rules protect. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        files.forEach(f -> out.add(f.toString()));
        trees.forEach(t -> out.add(t + "/"));
        return out;
    }
}
