package dev.filewall.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.daemon.Doctor.Check;
import dev.filewall.daemon.Doctor.Level;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every check on a fake machine: a healthy one, then one thing broken at a time. */
class DoctorTest {
    @TempDir Path root;
    private static final Path PID_FILE = Path.of("/run/filewall/filewall.pid");

    static final class FakeHost implements Doctor.Host {
        boolean root = true;
        int[] libbpf = {1, 1};
        RuntimeException libbpfMissing;
        int lsmPrograms = 1;
        Map<String, String> deadLinks = Map.of();

        @Override
        public boolean root() {
            return root;
        }

        @Override
        public int[] libbpf() {
            if (libbpfMissing != null) throw libbpfMissing;
            return libbpf;
        }

        @Override
        public int lsmPrograms() {
            return lsmPrograms;
        }

        @Override
        public Optional<String> linkProblem(Path pin) {
            return Optional.ofNullable(deadLinks.get(pin.getFileName().toString()));
        }
    }

    private final FakeHost host = new FakeHost();

    private void write(String path, String content) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private void delete(String path) throws IOException {
        Files.delete(root.resolve(path));
    }

    /** A Debian 12 machine with the bpf LSM active, filewall enforcing and its daemon running. */
    @BeforeEach
    void healthyMachine() throws IOException {
        write("proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
        write("proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n");
        write("sys/kernel/btf/vmlinux", "btf");
        write("boot/config-6.1.0-28-amd64", "CONFIG_BPF=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_BPF_LSM=y\nCONFIG_DEBUG_INFO_BTF=y\n");
        write("sys/kernel/security/lsm", "lockdown,capability,landlock,yama,apparmor,bpf");
        write("sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
        write("proc/self/mounts", "sysfs /sys sysfs rw 0 0\nbpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0\n");
        for (String m : Enforcer.MAPS) write("sys/fs/bpf/filewall/maps/" + m, "");
        for (String l : List.of("fw_file_open", "fw_path_unlink", "fw_sched_exec")) write("sys/fs/bpf/filewall/links/" + l, "");
        write("run/filewall/filewall.pid", "4242\n");
        Files.createDirectories(root.resolve("proc/4242"));
    }

    private Map<String, Check> checks() {
        return new Doctor(root, host, PID_FILE).run().stream().collect(Collectors.toMap(Check::name, Function.identity()));
    }

    /** The named check has this level and message; every other check is ok. */
    private Check only(String name, Level level) {
        Map<String, Check> c = checks();
        assertThat(c.get(name).level()).as(c.get(name).line()).isEqualTo(level);
        c.values().stream().filter(x -> !x.name().equals(name))
                .forEach(x -> assertThat(x.level()).as(x.line()).isEqualTo(Level.OK));
        return c.get(name);
    }

    @Test
    void aHealthyMachineIsAllOkAndExitsZero() {
        StringWriter out = new StringWriter();
        int code = new Doctor(root, host, PID_FILE).report(new PrintWriter(out));
        assertThat(code).isZero();
        assertThat(out.toString()).isEqualTo("""
                ok    kernel        6.1.0-28-amd64 (filewall needs Linux 5.17 or newer: bpf_loop 5.17, task storage 5.11, BPF LSM 5.7); \
                before 6.2 there is no file_truncate hook, so ftruncate(2) is judged where the file was opened for writing
                ok    btf           /sys/kernel/btf/vmlinux
                ok    config        /boot/config-6.1.0-28-amd64 has CONFIG_BPF_SYSCALL, CONFIG_BPF_LSM and CONFIG_DEBUG_INFO_BTF
                ok    lsm           bpf is active (lockdown,capability,landlock,yama,apparmor,bpf)
                ok    lsm programs  the kernel loads BPF LSM programs
                ok    lockdown      none
                ok    libbpf        1.1
                ok    bpffs         mounted at /sys/fs/bpf
                ok    pins          3 hooks attached, every map pinned (/sys/fs/bpf/filewall)
                ok    daemon        running, pid 4242
                filewall doctor: all 10 checks ok
                """);
    }

    @Test
    void anOldKernelFails() throws IOException {
        write("proc/sys/kernel/osrelease", "5.10.0-30-amd64\n");
        write("boot/config-5.10.0-30-amd64", "CONFIG_BPF_SYSCALL=y\nCONFIG_BPF_LSM=y\nCONFIG_DEBUG_INFO_BTF=y\n");
        assertThat(only("kernel", Level.FAIL).message()).startsWith("5.10.0-30-amd64 is too old: filewall needs Linux 5.17 or newer");
        write("proc/sys/kernel/osrelease", "6.12.9\n");
        write("boot/config-6.12.9", "CONFIG_BPF_SYSCALL=y\nCONFIG_BPF_LSM=y\nCONFIG_DEBUG_INFO_BTF=y\n");
        assertThat(only("kernel", Level.OK).message()).doesNotContain("file_truncate");
        write("proc/sys/kernel/osrelease", "garbage\n");
        assertThat(checks().get("kernel").level()).isEqualTo(Level.FAIL);
    }

    @Test
    void noBtfFails() throws IOException {
        delete("sys/kernel/btf/vmlinux");
        assertThat(only("btf", Level.FAIL).message()).contains("CONFIG_DEBUG_INFO_BTF=y");
    }

    @Test
    void aKernelConfigWithoutTheBpfLsmFails() throws IOException {
        write("boot/config-6.1.0-28-amd64", "CONFIG_BPF_SYSCALL=y\n# CONFIG_BPF_LSM is not set\nCONFIG_DEBUG_INFO_BTF=y\n");
        assertThat(only("config", Level.FAIL).message()).isEqualTo("/boot/config-6.1.0-28-amd64 lacks CONFIG_BPF_LSM=y: this kernel"
                + " cannot run filewall; install one built with them (Debian's 6.1 and later are)");
    }

    @Test
    void aMissingKernelConfigIsFineOnlyWhenTheLsmListShowsBpf() throws IOException {
        delete("boot/config-6.1.0-28-amd64");
        only("config", Level.OK);
        write("sys/kernel/security/lsm", "lockdown,capability,apparmor");
        assertThat(checks().get("config").level()).isEqualTo(Level.WARN);
    }

    @Test
    void theBpfLsmMissingFromTheLsmListSaysHowToAddIt() throws IOException {
        write("sys/kernel/security/lsm", "lockdown,capability,landlock,yama,apparmor");
        host.lsmPrograms = 0;
        Map<String, Check> c = checks();
        assertThat(c.get("lsm").line()).isEqualTo("FAIL  lsm           the bpf LSM is not active (lockdown,capability,landlock,yama,apparmor):"
                + " add lsm=lockdown,capability,landlock,yama,apparmor,bpf to GRUB_CMDLINE_LINUX in /etc/default/grub,"
                + " then run update-grub and reboot");
        assertThat(c.get("lsm programs").line()).isEqualTo("FAIL  lsm programs  the kernel refuses to load a BPF LSM program:"
                + " the bpf LSM is not active (see lsm)");
        write("proc/cmdline", "root=/dev/sda1 lsm=landlock,apparmor quiet\n");
        assertThat(checks().get("lsm").message()).contains("replace lsm=landlock,apparmor with lsm=lockdown,capability,landlock,yama,apparmor,bpf");
    }

    @Test
    void aKernelThatRefusesLsmProgramsDespiteTheListFails() {
        host.lsmPrograms = 0;
        assertThat(only("lsm programs", Level.FAIL).message()).contains("although bpf is in the LSM list");
        host.lsmPrograms = -1;
        assertThat(only("lsm programs", Level.FAIL).message()).isEqualTo("the probe failed (errno 1)");
    }

    @Test
    void unmountedSecurityfsIsAWarning() throws IOException {
        delete("sys/kernel/security/lsm");
        delete("sys/kernel/security/lockdown");
        assertThat(only("lsm", Level.WARN).message()).contains("mount -t securityfs securityfs /sys/kernel/security");
    }

    @Test
    void confidentialityLockdownFails() throws IOException {
        write("sys/kernel/security/lockdown", "none integrity [confidentiality]\n");
        assertThat(only("lockdown", Level.FAIL).message()).startsWith("confidentiality forbids BPF programs to read kernel memory");
        write("sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
        assertThat(only("lockdown", Level.OK).message()).isEqualTo("integrity");
    }

    @Test
    void anOldOrMissingLibbpfFails() {
        host.libbpf = new int[] {1, 0};
        assertThat(only("libbpf", Level.FAIL).message()).startsWith("1.0 is too old: filewall needs libbpf 1.1 or newer");
        host.libbpf = new int[] {2, 0};
        only("libbpf", Level.OK);
        host.libbpfMissing = new IllegalArgumentException("Cannot open library: libbpf.so.1");
        assertThat(only("libbpf", Level.FAIL).message()).isEqualTo("libbpf.so.1 cannot be loaded (Cannot open library: libbpf.so.1):"
                + " apt-get install libbpf1");
    }

    @Test
    void noBpffsWarnsAndThenNothingIsPinned() throws IOException {
        write("proc/self/mounts", "sysfs /sys sysfs rw 0 0\n");
        assertThat(only("bpffs", Level.WARN).message()).contains("mount -t bpf bpf /sys/fs/bpf");
        Files.walk(root.resolve("sys/fs/bpf")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Map<String, Check> c = checks();
        assertThat(c.get("pins").level()).isEqualTo(Level.WARN);
        assertThat(c.get("pins").message()).startsWith("nothing pinned at /sys/fs/bpf/filewall: filewall is not enforcing");
    }

    @Test
    void incompleteOrDetachedPinsFail() throws IOException {
        host.deadLinks = Map.of("fw_path_unlink", "detached");
        assertThat(only("pins", Level.FAIL).message()).isEqualTo("1 of 3 pinned hooks are not attached: fw_path_unlink (detached);"
                + " end it with filewall stop, then start filewall again");
        host.deadLinks = Map.of();
        delete("sys/fs/bpf/filewall/maps/fw_events");
        assertThat(only("pins", Level.FAIL).message()).startsWith("incomplete: maps fw_events are not pinned");
        write("sys/fs/bpf/filewall/maps/fw_events", "");
        for (String l : List.of("fw_file_open", "fw_path_unlink", "fw_sched_exec")) delete("sys/fs/bpf/filewall/links/" + l);
        assertThat(only("pins", Level.FAIL).message()).startsWith("the maps are pinned but no hook is");
    }

    @Test
    void withoutRootTheKernelChecksAreWarnings() {
        host.root = false;
        Map<String, Check> c = checks();
        assertThat(c.get("lsm programs").level()).isEqualTo(Level.WARN);
        assertThat(c.get("pins").level()).isEqualTo(Level.WARN);
        assertThat(c.get("pins").message()).isEqualTo("3 hooks pinned; whether they are attached needs root to check");
    }

    @Test
    void aStoppedDaemonWarns() throws IOException {
        Files.delete(root.resolve("proc/4242"));
        assertThat(only("daemon", Level.WARN).message()).isEqualTo("not running (/run/filewall/filewall.pid): the pinned hooks keep"
                + " enforcing, but events wait in the ring buffer and rules cannot be reloaded; start it: systemctl start filewall");
        delete("run/filewall/filewall.pid");
        only("daemon", Level.WARN);
    }

    @Test
    void anyProblemMakesTheExitCodeThree() throws IOException {
        delete("sys/kernel/btf/vmlinux");
        StringWriter out = new StringWriter();
        assertThat(new Doctor(root, host, PID_FILE).report(new PrintWriter(out))).isEqualTo(3);
        assertThat(out.toString()).endsWith("filewall doctor: 1 of 10 checks need attention\n");
    }
}
