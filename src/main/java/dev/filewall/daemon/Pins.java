package dev.filewall.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where filewall pins its maps and links in bpffs, so enforcement outlives the daemon and a new
 * daemon can adopt it: {@code /sys/fs/bpf/filewall/maps/NAME} and {@code .../links/PROGRAM}.
 */
public record Pins(Path root) {
    public static final Pins DEFAULT = new Pins(Path.of("/sys/fs/bpf/filewall"));

    public Path map(String name) {
        return root.resolve("maps").resolve(name);
    }

    public Path link(String program) {
        return root.resolve("links").resolve(program);
    }

    /** Whether a complete set is pinned: a daemon adopts it rather than loading again. */
    public boolean present() {
        return Files.exists(map("fw_ctl")) && Files.isDirectory(root.resolve("links"));
    }

    public List<Path> all() throws IOException {
        if (!Files.exists(root)) return List.of();
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** The pinned links: one per attached hook. */
    public List<Path> links() throws IOException {
        return all().stream().filter(p -> p.getParent().equals(root.resolve("links"))).toList();
    }

    /** Removes every pin: links go first, so enforcement ends before the maps disappear. */
    public List<Path> removeAll() throws IOException {
        List<Path> removed = new ArrayList<>();
        for (String dir : List.of("links", "maps")) {
            Path d = root.resolve(dir);
            if (!Files.exists(d)) continue;
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : s.sorted().toList()) {
                    Files.delete(p);
                    removed.add(p);
                }
            }
            Files.delete(d);
        }
        Files.deleteIfExists(root);
        return removed;
    }

    /** bpffs must be mounted at /sys/fs/bpf (systemd does it; a bare system may not). */
    public void ensureBpffs() throws IOException, InterruptedException {
        Path base = root.getParent();
        if (isBpffs(base)) return;
        Process p = new ProcessBuilder("mount", "-t", "bpf", "bpf", base.toString()).inheritIO().start();
        if (p.waitFor() != 0 || !isBpffs(base))
            throw new IOException("bpffs is not mounted at " + base + " and mounting it failed: mount -t bpf bpf " + base);
    }

    private static boolean isBpffs(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" "))
                .anyMatch(f -> f.length > 2 && f[1].equals(dir.toString()) && f[2].equals("bpf"));
    }
}
