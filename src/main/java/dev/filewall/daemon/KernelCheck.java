package dev.filewall.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Whether this kernel runs BPF LSM programs, and if not, one sentence on what is missing. */
public final class KernelCheck {
    private KernelCheck() {}

    /** Empty when the bpf LSM is active; otherwise what to change. */
    public static Optional<String> bpfLsmProblem() throws IOException, InterruptedException {
        Path lsm = Path.of("/sys/kernel/security/lsm");
        if (!Files.exists(lsm))
            new ProcessBuilder("mount", "-t", "securityfs", "securityfs", "/sys/kernel/security").inheritIO().start().waitFor();
        if (!Files.exists(lsm)) return Optional.of("securityfs is not mounted and could not be: mount -t securityfs securityfs /sys/kernel/security");
        String active = Files.readString(lsm).strip();
        if (java.util.List.of(active.split(",")).contains("bpf")) return Optional.empty();
        String release = System.getProperty("os.version");
        Path config = Path.of("/boot/config-" + release);
        boolean built = !Files.isReadable(config) || Files.readAllLines(config).contains("CONFIG_BPF_LSM=y");
        if (!built) return Optional.of("this kernel (" + release + ") lacks CONFIG_BPF_LSM=y: filewall needs a kernel built with it");
        return Optional.of("the bpf LSM is not active (lsm=" + active + "): add it to the kernel command line, e.g. lsm="
                + active + ",bpf (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot)");
    }
}
