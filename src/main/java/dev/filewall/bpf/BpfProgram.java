package dev.filewall.bpf;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** A program of a {@link BpfObject}; unusable once the object is closed. Thread-safe. */
public final class BpfProgram {
    private final Lifetime life;
    private final MemorySegment prog;
    private final String name;

    BpfProgram(Lifetime objectLife, MemorySegment prog, String name) {
        this.life = objectLife;
        this.prog = prog;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Whether the object's load() loads this program; set before load. */
    public void setAutoload(boolean autoload) {
        try (var _ = life.enter()) {
            LibBpf.bpf_program__set_autoload(prog, autoload, subject());
        }
    }

    /** The ELF section, e.g. "lsm/file_open". */
    public String section() {
        try (var _ = life.enter()) {
            return LibBpf.bpf_program__section_name(prog);
        }
    }

    /** The program's fd; valid after the object's load() and until it is closed. */
    public int fd() {
        try (var _ = life.enter()) {
            return LibBpf.bpf_program__fd(prog, subject());
        }
    }

    /**
     * Runs the program once with BPF_PROG_TEST_RUN on ctx (any segment, heap or native; at most
     * 65535 bytes for SEC("syscall") programs) and writes the context the program leaves back
     * into ctx. Returns the program's return value.
     */
    public int testRun(MemorySegment ctx) {
        try (var _ = life.enter()) {
            return LibBpf.bpf_prog_test_run_opts(LibBpf.bpf_program__fd(prog, subject()), ctx, subject());
        }
    }

    /** Attaches as its SEC() says (bpf_program__attach). */
    public BpfLink attach() {
        try (var _ = life.enter(); var _ = LibBpf.captureLog()) {
            return new BpfLink(LibBpf.bpf_program__attach(prog, subject()), name);
        }
    }

    /** Attaches a SEC("lsm/...") program to its LSM hook. */
    public BpfLink attachLsm() {
        try (var _ = life.enter(); var _ = LibBpf.captureLog()) {
            return new BpfLink(LibBpf.bpf_program__attach_lsm(prog, subject()), name);
        }
    }

    /** Pins the program at path, on a bpffs. */
    public void pin(Path path) {
        try (var _ = life.enter()) {
            LibBpf.bpf_obj_pin(LibBpf.bpf_program__fd(prog, subject()), path.toString(), subject());
        }
    }

    private String subject() {
        return "program '" + name + "'";
    }
}
