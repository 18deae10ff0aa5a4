package dev.filewall.bpf;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * An attachment of a program, independent of its {@link BpfObject} once made. The program
 * stays attached while this handle is open or the link is pinned. Thread-safe.
 */
public final class BpfLink implements AutoCloseable {
    private final MemorySegment link;
    private final String subject;
    private final Lifetime life;

    BpfLink(MemorySegment link, String programName) {
        this.link = link;
        this.subject = "link of program '" + programName + "'";
        this.life = new Lifetime(subject);
    }

    /** Pins the link at path, on a bpffs: it then stays attached after close() and after this process. */
    public void pin(Path path) {
        try (var _ = life.enter()) {
            LibBpf.bpf_link__pin(link, path.toString(), subject);
        }
    }

    /** Removes the pin made by {@link #pin}. */
    public void unpin() {
        try (var _ = life.enter()) {
            LibBpf.bpf_link__unpin(link, subject);
        }
    }

    /** bpf_link__destroy: closes the link's fd, which detaches the program unless the link is pinned. */
    @Override
    public void close() {
        life.close(() -> LibBpf.bpf_link__destroy(link, subject));
    }
}
