package dev.filewall.bpf;

/** What `filewall doctor` asks the system's libbpf and kernel. */
public final class Probes {
    private Probes() {}

    /** enum bpf_prog_type in the kernel's UAPI. */
    private static final int BPF_PROG_TYPE_LSM = 29;

    /** The libbpf.so.1 this process loads: {major, minor}. Throws when it cannot be loaded. */
    public static int[] libbpfVersion() {
        return LibBpf.libbpf_version();
    }

    /**
     * Whether the kernel loads a BPF LSM program: 1 yes, 0 it refuses (bpf LSM inactive, or a
     * sandbox forbids it; without root always), or a negative errno when the probe itself failed.
     */
    public static int lsmPrograms() {
        return LibBpf.libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_LSM);
    }
}
