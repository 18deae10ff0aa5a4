package dev.filewall.daemon;

import dev.filewall.bpf.PinnedLinks;
import dev.filewall.bpf.Probes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code filewall doctor}: whether this machine can run filewall, and whether it does, with what
 * to change when not. Files are read below a root ("/" for real) and the kernel is asked through
 * {@link Host}, so a test can present any machine.
 */
public final class Doctor {
    /** Linux 5.17: bpf_loop (the path walk and the table's DFAs); BPF LSM came in 5.7, task storage in 5.11. */
    static final int MIN_MAJOR = 5, MIN_MINOR = 17;

    public enum Level { OK, WARN, FAIL }

    public record Check(Level level, String name, String message) {
        public String line() {
            return String.format("%-4s  %-13s %s", level == Level.OK ? "ok" : level.name(), name, message);
        }
    }

    /** What doctor asks beyond files. */
    public interface Host {
        boolean root();

        /** libbpf's {major, minor}; throws when libbpf.so.1 cannot be loaded. */
        int[] libbpf();

        /** 1: the kernel loads a BPF LSM program, 0: it refuses, < 0: the probe failed (-errno). */
        int lsmPrograms();

        /** Empty when this pinned link and its program exist; else what is wrong. */
        Optional<String> linkProblem(Path pin);
    }

    /** This machine. */
    public static final Host LOCAL = new Host() {
        @Override
        public boolean root() {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        }

        @Override
        public int[] libbpf() {
            return Probes.libbpfVersion();
        }

        @Override
        public int lsmPrograms() {
            return Probes.lsmPrograms();
        }

        @Override
        public Optional<String> linkProblem(Path pin) {
            try {
                return PinnedLinks.anyAlive(PinnedLinks.ids(List.of(pin))) ? Optional.empty() : Optional.of("detached");
            } catch (RuntimeException e) {
                return Optional.of(e.getMessage());
            }
        }
    };

    private final Path root;
    private final Host host;
    private final Path pidFile;

    /** pidFile: the daemon's, as the running system names it (under root when root is not "/"). */
    public Doctor(Path root, Host host, Path pidFile) {
        this.root = root;
        this.host = host;
        this.pidFile = pidFile;
    }

    private Path at(String absolute) {
        return root.resolve(absolute.substring(1));
    }

    private Optional<String> read(String absolute) {
        try {
            return Optional.of(Files.readString(at(absolute)).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        Optional<String> release = read("/proc/sys/kernel/osrelease");
        Optional<String> lsm = read("/sys/kernel/security/lsm");
        boolean bpfActive = lsm.map(l -> List.of(l.split(",")).contains("bpf")).orElse(false);
        checks.add(kernel(release));
        checks.add(Files.isReadable(at("/sys/kernel/btf/vmlinux"))
                ? new Check(Level.OK, "btf", "/sys/kernel/btf/vmlinux")
                : new Check(Level.FAIL, "btf", "/sys/kernel/btf/vmlinux is missing: filewall's programs are CO-RE and need a"
                        + " kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian's kernels are)"));
        checks.add(config(release, bpfActive));
        checks.add(lsm(lsm, bpfActive));
        checks.add(lsmPrograms(bpfActive));
        checks.add(lockdown());
        checks.add(libbpf());
        boolean bpffs = bpffs();
        checks.add(bpffs ? new Check(Level.OK, "bpffs", "mounted at /sys/fs/bpf")
                : new Check(Level.WARN, "bpffs", "/sys/fs/bpf is not a bpf file system: filewall run mounts it"
                        + " (mount -t bpf bpf /sys/fs/bpf); under systemd, sys-fs-bpf.mount does"));
        checks.add(pins());
        checks.add(daemon());
        return checks;
    }

    private Check kernel(Optional<String> release) {
        if (release.isEmpty()) return new Check(Level.FAIL, "kernel", "cannot read /proc/sys/kernel/osrelease");
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release.get());
        if (!m.find()) return new Check(Level.FAIL, "kernel", "cannot make out a version in '" + release.get() + "'");
        int major = Integer.parseInt(m.group(1)), minor = Integer.parseInt(m.group(2));
        String needs = "filewall needs Linux " + MIN_MAJOR + "." + MIN_MINOR + " or newer: bpf_loop 5.17, task storage 5.11, BPF LSM 5.7";
        if (major < MIN_MAJOR || (major == MIN_MAJOR && minor < MIN_MINOR))
            return new Check(Level.FAIL, "kernel", release.get() + " is too old: " + needs + "; Debian 12's linux-image-amd64 (6.1) will do");
        String truncate = major < 6 || (major == 6 && minor < 2)
                ? "; before 6.2 there is no file_truncate hook, so ftruncate(2) is judged where the file was opened for writing" : "";
        return new Check(Level.OK, "kernel", release.get() + " (" + needs + ")" + truncate);
    }

    private Check config(Optional<String> release, boolean bpfActive) {
        String file = "/boot/config-" + release.orElse("(unknown release)");
        List<String> lines;
        try {
            lines = Files.readAllLines(at(file));
        } catch (IOException e) {
            return bpfActive ? new Check(Level.OK, "config", "no " + file + " to read; the active LSM list shows the bpf LSM is built in")
                    : new Check(Level.WARN, "config", "no " + file + " to read: cannot tell whether this kernel has CONFIG_BPF_LSM=y");
        }
        List<String> missing = new ArrayList<>();
        for (String option : List.of("CONFIG_BPF_SYSCALL", "CONFIG_BPF_LSM", "CONFIG_DEBUG_INFO_BTF"))
            if (!lines.contains(option + "=y")) missing.add(option + "=y");
        if (missing.isEmpty()) return new Check(Level.OK, "config", file + " has CONFIG_BPF_SYSCALL, CONFIG_BPF_LSM and CONFIG_DEBUG_INFO_BTF");
        return new Check(Level.FAIL, "config", file + " lacks " + String.join(", ", missing)
                + ": this kernel cannot run filewall; install one built with them (Debian's 6.1 and later are)");
    }

    private Check lsm(Optional<String> lsm, boolean bpfActive) {
        if (lsm.isEmpty())
            return new Check(Level.WARN, "lsm", "/sys/kernel/security/lsm is missing, so the active LSMs are unknown: securityfs is"
                    + " not mounted (mount -t securityfs securityfs /sys/kernel/security; filewall run mounts it itself)");
        if (bpfActive) return new Check(Level.OK, "lsm", "bpf is active (" + lsm.get() + ")");
        String wanted = "lsm=" + lsm.get() + ",bpf";
        Optional<String> given = read("/proc/cmdline").flatMap(c -> List.of(c.split("\\s+")).stream().filter(p -> p.startsWith("lsm=")).findFirst());
        return new Check(Level.FAIL, "lsm", "the bpf LSM is not active (" + lsm.get() + "): "
                + given.map(g -> "replace " + g + " with " + wanted).orElse("add " + wanted)
                + " to GRUB_CMDLINE_LINUX in /etc/default/grub, then run update-grub and reboot");
    }

    private Check lsmPrograms(boolean bpfActive) {
        if (!host.root())
            return new Check(Level.WARN, "lsm programs", "not checked: loading a BPF program needs root (run filewall doctor as root)");
        int r;
        try {
            r = host.lsmPrograms();
        } catch (RuntimeException | LinkageError e) {
            return new Check(Level.FAIL, "lsm programs", "cannot probe without libbpf: " + e.getMessage());
        }
        if (r == 1) return new Check(Level.OK, "lsm programs", "the kernel loads BPF LSM programs");
        if (r < 0) return new Check(Level.FAIL, "lsm programs", "the probe failed (errno " + -r + ")");
        return new Check(Level.FAIL, "lsm programs", "the kernel refuses to load a BPF LSM program" + (bpfActive
                ? " although bpf is in the LSM list: something around this kernel forbids it (a container or sandbox, a seccomp"
                        + " filter, a hypervisor's policy); run filewall on a machine's own kernel"
                : ": the bpf LSM is not active (see lsm)"));
    }

    private Check lockdown() {
        Optional<String> mode = read("/sys/kernel/security/lockdown").map(l -> {
            Matcher m = Pattern.compile("\\[(\\w+)]").matcher(l);
            return m.find() ? m.group(1) : l;
        });
        if (mode.isEmpty()) return new Check(Level.OK, "lockdown", "no lockdown LSM");
        if (!mode.get().equals("confidentiality")) return new Check(Level.OK, "lockdown", mode.get());
        return new Check(Level.FAIL, "lockdown", "confidentiality forbids BPF programs to read kernel memory, which filewall's path"
                + " walk does: boot with lockdown=integrity instead (GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot)");
    }

    private Check libbpf() {
        int[] v;
        try {
            v = host.libbpf();
        } catch (RuntimeException | LinkageError e) {
            return new Check(Level.FAIL, "libbpf", "libbpf.so.1 cannot be loaded (" + e.getMessage() + "): apt-get install libbpf1");
        }
        String version = v[0] + "." + v[1];
        if (v[0] > 1 || (v[0] == 1 && v[1] >= 1)) return new Check(Level.OK, "libbpf", version);
        return new Check(Level.FAIL, "libbpf", version + " is too old: filewall needs libbpf 1.1 or newer (Debian 12's libbpf1 is 1.1)");
    }

    private boolean bpffs() {
        return read("/proc/self/mounts").map(m -> m.lines().map(l -> l.split(" "))
                .anyMatch(f -> f.length > 2 && f[1].equals("/sys/fs/bpf") && f[2].equals("bpf"))).orElse(false);
    }

    private Check pins() {
        Pins pins = new Pins(at(Pins.DEFAULT.root().toString()));
        String where = Pins.DEFAULT.root().toString();
        String restart = "end it with filewall stop, then start filewall again";
        if (!Files.exists(pins.root()))
            return new Check(Level.WARN, "pins", "nothing pinned at " + where + ": filewall is not enforcing; start it"
                    + " (systemctl start filewall, or filewall run RULES)");
        List<String> missing = Enforcer.MAPS.stream().filter(m -> !Files.exists(pins.map(m))).toList();
        List<Path> links;
        try {
            links = pins.links();
        } catch (IOException e) {
            return new Check(Level.FAIL, "pins", "cannot list " + where + ": " + e.getMessage());
        }
        if (!missing.isEmpty()) return new Check(Level.FAIL, "pins", "incomplete: maps " + String.join(", ", missing) + " are not pinned; " + restart);
        if (links.isEmpty()) return new Check(Level.FAIL, "pins", "the maps are pinned but no hook is: nothing is enforced; " + restart);
        if (!host.root())
            return new Check(Level.WARN, "pins", links.size() + " hooks pinned; whether they are attached needs root to check");
        List<String> dead = new ArrayList<>();
        for (Path l : links) host.linkProblem(l).ifPresent(p -> dead.add(l.getFileName() + " (" + p + ")"));
        if (!dead.isEmpty())
            return new Check(Level.FAIL, "pins", dead.size() + " of " + links.size() + " pinned hooks are not attached: "
                    + String.join(", ", dead) + "; " + restart);
        return new Check(Level.OK, "pins", links.size() + " hooks attached, every map pinned (" + where + ")");
    }

    private Check daemon() {
        Optional<String> pid = read(pidFile.toString()).filter(p -> p.matches("\\d+"));
        if (pid.isPresent() && Files.isDirectory(at("/proc/" + pid.get())))
            return new Check(Level.OK, "daemon", "running, pid " + pid.get());
        boolean pinned = Files.exists(at(Pins.DEFAULT.root().toString()));
        return new Check(Level.WARN, "daemon", "not running (" + pidFile + ")" + (pinned
                ? ": the pinned hooks keep enforcing, but events wait in the ring buffer and rules cannot be reloaded" : "")
                + "; start it: systemctl start filewall");
    }

    /** Prints one line per check; 0 when every check is ok, 3 otherwise. */
    public int report(java.io.PrintWriter out) {
        List<Check> checks = run();
        checks.forEach(c -> out.println(c.line()));
        long bad = checks.stream().filter(c -> c.level() != Level.OK).count();
        out.println(bad == 0 ? "filewall doctor: all " + checks.size() + " checks ok"
                : "filewall doctor: " + bad + " of " + checks.size() + " checks need attention");
        out.flush();
        return bad == 0 ? 0 : 3;
    }
}
