package dev.filewall.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A compiled BPF ELF object, opened, configured (map sizes), then loaded into the kernel.
 * Closing it unloads what no pin or link keeps alive; afterwards it, and every map and
 * program handle taken from it, throws {@link IllegalStateException}. Thread-safe.
 */
public final class BpfObject implements AutoCloseable {
    private final String name;
    private final Arena arena;
    private final MemorySegment obj;
    private final Lifetime life;

    private BpfObject(String name, Arena arena, MemorySegment obj) {
        this.name = name;
        this.arena = arena;
        this.obj = obj;
        this.life = new Lifetime("BPF object '" + name + "'");
    }

    /** Opens an ELF object; name is what libbpf calls it (and prefixes .bss/.data maps with). */
    public static BpfObject open(String name, byte[] elf) {
        // libbpf may keep pointers into the ELF image, so it lives as long as the object
        Arena arena = Arena.ofShared();
        try (var _ = LibBpf.captureLog()) {
            MemorySegment image = arena.allocate(elf.length, 8).copyFrom(MemorySegment.ofArray(elf));
            return new BpfObject(name, arena, LibBpf.bpf_object__open_mem(image, name));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public static BpfObject open(Path file) {
        try {
            return open(objectName(file.getFileName().toString()), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens a class path resource, e.g. "/bpf/harness.bpf.o" from the jar. */
    public static BpfObject openResource(String resource) {
        try (InputStream in = BpfObject.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no resource " + resource);
            return open(objectName(resource.substring(resource.lastIndexOf('/') + 1)), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Like libbpf's name for a file: "harness.bpf.o" is "harness". */
    private static String objectName(String fileName) {
        int dot = fileName.indexOf('.');
        return dot < 0 ? fileName : fileName.substring(0, dot);
    }

    public String name() {
        return name;
    }

    /** Loads every map and program; a verifier rejection's BpfException carries the log. */
    public void load() {
        try (var _ = life.enter(); var _ = LibBpf.captureLog()) {
            LibBpf.bpf_object__load(obj, "object '" + name + "'");
        }
    }

    /** A map by its name in the object; usable before load() to configure it. */
    public BpfMap map(String mapName) {
        try (var _ = life.enter()) {
            return new BpfMap(life, LibBpf.bpf_object__find_map_by_name(obj, mapName), mapName);
        }
    }

    /** A program by its function name. */
    public BpfProgram program(String programName) {
        try (var _ = life.enter()) {
            return new BpfProgram(life, LibBpf.bpf_object__find_program_by_name(obj, programName), programName);
        }
    }

    /** Every program of the object, in ELF order. */
    public java.util.List<BpfProgram> programs() {
        try (var _ = life.enter()) {
            return LibBpf.bpf_object__programs(obj).stream().map(e -> new BpfProgram(life, e.getKey(), e.getValue())).toList();
        }
    }

    /** Waits for uses in flight on other threads, then frees the object and its fds. */
    @Override
    public void close() {
        life.close(() -> {
            LibBpf.bpf_object__close(obj);
            arena.close();
        });
    }
}
