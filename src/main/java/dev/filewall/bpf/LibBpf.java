package dev.filewall.bpf;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Downcalls into the system's libbpf 1.1 (libbpf.so.1) and libc, one wrapper per C function,
 * named like it. libbpf 1.x int functions return -errno; pointer functions return NULL and set
 * errno, which these handles capture. Every failure becomes a {@link BpfException} naming the
 * call and its subject (e.g. "map 'events'"). x86-64 only: the print callback treats va_list
 * as the SysV pointer to a 24-byte __va_list_tag.
 */
@SuppressWarnings("restricted") // native access is this package's job; the launcher enables it
final class LibBpf {
    private LibBpf() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP =
            SymbolLookup.libraryLookup("libbpf.so.1", Arena.global()).or(LINKER.defaultLookup());
    private static final StructLayout ERRNO_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO = ERRNO_STATE.byteOffset(groupElement("errno"));

    // errno values this layer treats specially
    static final int ENOENT = 2, EINTR = 4, EOPNOTSUPP = 95;
    /** The kernel-internal ENOTSUPP that bpf(2) still leaks, e.g. for batch ops a map lacks. */
    static final int ENOTSUPP = 524;

    /** enum libbpf_print_level; the rest is LIBBPF_DEBUG. */
    private static final int LIBBPF_WARN = 0, LIBBPF_INFO = 1;

    /** struct bpf_object_open_opts, libbpf 1.1. */
    private static final StructLayout OPEN_OPTS = MemoryLayout.structLayout(
            JAVA_LONG.withName("sz"),
            ADDRESS.withName("object_name"),
            JAVA_BOOLEAN.withName("relaxed_maps"),
            MemoryLayout.paddingLayout(7),
            ADDRESS.withName("pin_root_path"),
            MemoryLayout.paddingLayout(8), // __u32 :32 where attach_prog_fd was, then alignment
            ADDRESS.withName("kconfig"),
            ADDRESS.withName("btf_custom_path"),
            ADDRESS.withName("kernel_log_buf"),
            JAVA_LONG.withName("kernel_log_size"),
            JAVA_INT.withName("kernel_log_level"),
            MemoryLayout.paddingLayout(4)); // size_t :0
    private static final long OPEN_OPTS_OBJECT_NAME = OPEN_OPTS.byteOffset(groupElement("object_name"));

    /** struct bpf_test_run_opts, libbpf 1.1. */
    private static final StructLayout TEST_RUN_OPTS = MemoryLayout.structLayout(
            JAVA_LONG.withName("sz"),
            ADDRESS.withName("data_in"),
            ADDRESS.withName("data_out"),
            JAVA_INT.withName("data_size_in"),
            JAVA_INT.withName("data_size_out"),
            ADDRESS.withName("ctx_in"),
            ADDRESS.withName("ctx_out"),
            JAVA_INT.withName("ctx_size_in"),
            JAVA_INT.withName("ctx_size_out"),
            JAVA_INT.withName("retval"),
            JAVA_INT.withName("repeat"),
            JAVA_INT.withName("duration"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("cpu"),
            JAVA_INT.withName("batch_size"));
    private static final long TEST_RUN_CTX_IN = TEST_RUN_OPTS.byteOffset(groupElement("ctx_in"));
    private static final long TEST_RUN_CTX_SIZE_IN = TEST_RUN_OPTS.byteOffset(groupElement("ctx_size_in"));
    private static final long TEST_RUN_RETVAL = TEST_RUN_OPTS.byteOffset(groupElement("retval"));

    /** struct bpf_map_batch_opts, libbpf 1.1. */
    private static final StructLayout BATCH_OPTS = MemoryLayout.structLayout(
            JAVA_LONG.withName("sz"),
            JAVA_LONG.withName("elem_flags"),
            JAVA_LONG.withName("flags"));

    /** The head of struct bpf_map_info (linux/bpf.h); the kernel fills only as much as we ask for. */
    static final StructLayout MAP_INFO = MemoryLayout.structLayout(
            JAVA_INT.withName("type"),
            JAVA_INT.withName("id"),
            JAVA_INT.withName("key_size"),
            JAVA_INT.withName("value_size"),
            JAVA_INT.withName("max_entries"),
            JAVA_INT.withName("map_flags"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("name"));

    private static final MethodHandle LIBBPF_SET_PRINT = fn("libbpf_set_print", ADDRESS, ADDRESS);
    private static final MethodHandle LIBBPF_NUM_POSSIBLE_CPUS = fn("libbpf_num_possible_cpus", JAVA_INT);
    private static final MethodHandle LIBBPF_STRERROR = fn("libbpf_strerror", JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle LIBBPF_MAJOR_VERSION = fn("libbpf_major_version", JAVA_INT);
    private static final MethodHandle LIBBPF_MINOR_VERSION = fn("libbpf_minor_version", JAVA_INT);
    private static final MethodHandle LIBBPF_PROBE_BPF_PROG_TYPE = fn("libbpf_probe_bpf_prog_type", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_OBJECT__OPEN_MEM = errnoFn("bpf_object__open_mem", ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    private static final MethodHandle BPF_OBJECT__LOAD = fn("bpf_object__load", JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_OBJECT__CLOSE = voidFn("bpf_object__close", ADDRESS);
    private static final MethodHandle BPF_OBJECT__FIND_MAP_BY_NAME = errnoFn("bpf_object__find_map_by_name", ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle BPF_OBJECT__FIND_PROGRAM_BY_NAME = errnoFn("bpf_object__find_program_by_name", ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle BPF_MAP__FD = fn("bpf_map__fd", JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_MAP__TYPE = fn("bpf_map__type", JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_MAP__KEY_SIZE = fn("bpf_map__key_size", JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_MAP__VALUE_SIZE = fn("bpf_map__value_size", JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_MAP__MAX_ENTRIES = fn("bpf_map__max_entries", JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_MAP__SET_MAX_ENTRIES = fn("bpf_map__set_max_entries", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle BPF_PROGRAM__FD = fn("bpf_program__fd", JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_PROGRAM__SET_AUTOLOAD = fn("bpf_program__set_autoload", JAVA_INT, ADDRESS, JAVA_BOOLEAN);
    private static final MethodHandle BPF_PROGRAM__SECTION_NAME = fn("bpf_program__section_name", ADDRESS, ADDRESS);
    private static final MethodHandle BPF_PROGRAM__NAME = fn("bpf_program__name", ADDRESS, ADDRESS);
    private static final MethodHandle BPF_OBJECT__NEXT_PROGRAM = fn("bpf_object__next_program", ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle BPF_PROGRAM__ATTACH = errnoFn("bpf_program__attach", ADDRESS, ADDRESS);
    private static final MethodHandle BPF_PROGRAM__ATTACH_LSM = errnoFn("bpf_program__attach_lsm", ADDRESS, ADDRESS);
    private static final MethodHandle BPF_LINK__PIN = fn("bpf_link__pin", JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle BPF_LINK__UNPIN = fn("bpf_link__unpin", JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_LINK__DESTROY = fn("bpf_link__destroy", JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_OBJ_PIN = fn("bpf_obj_pin", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle BPF_OBJ_GET = fn("bpf_obj_get_opts", JAVA_INT, ADDRESS, ADDRESS);
    /** struct bpf_obj_get_opts: sz, file_flags */
    private static final StructLayout OBJ_GET_OPTS = MemoryLayout.structLayout(JAVA_LONG.withName("sz"),
            JAVA_INT.withName("file_flags"), MemoryLayout.paddingLayout(4));
    /** bpf_obj_get's file_flags: an fd that can only read (what filewall's bpf_map hook grants anyone but the daemon) */
    static final int BPF_F_RDONLY = 1 << 3;
    private static final MethodHandle BPF_OBJ_GET_INFO_BY_FD = fn("bpf_obj_get_info_by_fd", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle BPF_MAP_LOOKUP_ELEM = fn("bpf_map_lookup_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle BPF_MAP_LOOKUP_AND_DELETE_ELEM = fn("bpf_map_lookup_and_delete_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle BPF_MAP_UPDATE_ELEM = fn("bpf_map_update_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
    private static final MethodHandle BPF_MAP_UPDATE_BATCH = fn("bpf_map_update_batch", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle BPF_PROG_TEST_RUN_OPTS = fn("bpf_prog_test_run_opts", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle RING_BUFFER__NEW = errnoFn("ring_buffer__new", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle RING_BUFFER__POLL = fn("ring_buffer__poll", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle RING_BUFFER__CONSUME = fn("ring_buffer__consume", JAVA_INT, ADDRESS);
    private static final MethodHandle RING_BUFFER__FREE = voidFn("ring_buffer__free", ADDRESS);
    private static final MethodHandle BTF__PARSE = errnoFn("btf__parse", ADDRESS, ADDRESS, ADDRESS);
    private static final MethodHandle BTF__FIND_BY_NAME_KIND = fn("btf__find_by_name_kind", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle BTF__TYPE_BY_ID = errnoFn("btf__type_by_id", ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle BTF__NAME_BY_OFFSET = fn("btf__name_by_offset", ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle BTF__RESOLVE_SIZE = fn("btf__resolve_size", JAVA_LONG, ADDRESS, JAVA_INT);
    private static final MethodHandle BTF__FREE = voidFn("btf__free", ADDRESS);
    private static final MethodHandle VSNPRINTF = fn("vsnprintf", JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
    private static final MethodHandle STRERRORNAME_NP = fn("strerrorname_np", ADDRESS, JAVA_INT);
    private static final MethodHandle CLOSE = fn("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle BPF_LINK_GET_FD_BY_ID = fn("bpf_link_get_fd_by_id", JAVA_INT, JAVA_INT);
    private static final MethodHandle BPF_PROG_GET_FD_BY_ID = fn("bpf_prog_get_fd_by_id", JAVA_INT, JAVA_INT);

    private static final long VA_LIST_SIZE = 24;
    private static final System.Logger LOG = System.getLogger("dev.filewall.bpf.libbpf");
    /** Set while this thread runs an operation whose libbpf messages belong in its exception. */
    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();

    static {
        if (!System.getProperty("os.arch").equals("amd64")) {
            throw new ExceptionInInitializerError("dev.filewall.bpf reads va_list as on x86-64, not " + System.getProperty("os.arch"));
        }
        try {
            MethodHandle print = MethodHandles.lookup().findStatic(LibBpf.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            // libbpf keeps the pointer for the life of the process
            MemorySegment stub = LINKER.upcallStub(print,
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            MemorySegment _ = (MemorySegment) LIBBPF_SET_PRINT.invokeExact(stub);
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
    }

    private static MethodHandle fn(String name, MemoryLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(ret, args));
    }

    private static MethodHandle voidFn(String name, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.ofVoid(args));
    }

    /** The handle takes a capture-state segment first; errno is read from it after a NULL return. */
    private static MethodHandle errnoFn(String name, MemoryLayout ret, MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(ret, args),
                Linker.Option.captureCallState("errno"));
    }

    private static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libbpf.so.1 or libc lacks " + name));
    }

    // ---- errors and libbpf's messages ----

    /**
     * Collects libbpf's warnings printed on this thread until the returned use is closed; a
     * BpfException created meanwhile carries them. Nested captures join the outer one.
     */
    static Lifetime.Use captureLog() {
        if (CAPTURE.get() != null) return () -> {};
        CAPTURE.set(new StringBuilder());
        return CAPTURE::remove;
    }

    static BpfException error(String function, String subject, int errno) {
        StringBuilder log = CAPTURE.get();
        return new BpfException(function, subject, errno, errnoName(errno), strerror(errno),
                log == null ? "" : log.toString());
    }

    /** Returns rc, or throws if it is a libbpf 1.x -errno. */
    static int check(int rc, String function, String subject) {
        if (rc < 0) throw error(function, subject, -rc);
        return rc;
    }

    private static MemorySegment nonNull(MemorySegment p, MemorySegment state, String function, String subject) {
        if (p.address() != 0) return p;
        throw error(function, subject, state.get(JAVA_INT, ERRNO));
    }

    private static String errnoName(int errno) {
        if (errno == ENOTSUPP) return "ENOTSUPP";
        try {
            return cString((MemorySegment) STRERRORNAME_NP.invokeExact(errno));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static String strerror(int errno) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            int _ = (int) LIBBPF_STRERROR.invokeExact(errno, buf, buf.byteSize());
            return buf.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** libbpf_print_fn_t. An exception escaping an upcall kills the JVM, hence the catch-all. */
    private static int print(int level, MemorySegment format, MemorySegment args) {
        try {
            StringBuilder capture = CAPTURE.get();
            if (capture != null && level <= LIBBPF_INFO) {
                capture.append(format(format, args));
                return 0;
            }
            System.Logger.Level to = level == LIBBPF_WARN ? System.Logger.Level.WARNING
                    : level == LIBBPF_INFO ? System.Logger.Level.INFO : System.Logger.Level.DEBUG;
            if (LOG.isLoggable(to)) LOG.log(to, format(format, args).stripTrailing());
        } catch (Throwable t) {
            // the message is lost; nothing else is safe to do inside libbpf's call
        }
        return 0;
    }

    /**
     * Formats with vsnprintf twice: first on a copy of the va_list (va_copy is a plain copy of
     * the 24-byte __va_list_tag on x86-64) to learn the length, so a multi-megabyte verifier
     * log, which libbpf prints as one %s, is not cut.
     */
    private static String format(MemorySegment format, MemorySegment args) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment copy = a.allocate(VA_LIST_SIZE, 8).copyFrom(args.reinterpret(VA_LIST_SIZE));
            int n = (int) VSNPRINTF.invokeExact(MemorySegment.NULL, 0L, format, copy);
            if (n <= 0) return "";
            MemorySegment buf = a.allocate(n + 1L);
            int _ = (int) VSNPRINTF.invokeExact(buf, n + 1L, format, args);
            return buf.getString(0);
        }
    }

    private static String cString(MemorySegment p) {
        return p.address() == 0 ? null : p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) return e;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t); // downcalls declare no checked exceptions
    }

    /** What per-CPU map values are sized by; libbpf reads it once from /sys/devices/system/cpu/possible. */
    static int libbpf_num_possible_cpus() {
        try {
            return check((int) LIBBPF_NUM_POSSIBLE_CPUS.invokeExact(), "libbpf_num_possible_cpus", "");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The libbpf.so.1 this process loaded: {major, minor}. */
    static int[] libbpf_version() {
        try {
            return new int[] {(int) LIBBPF_MAJOR_VERSION.invokeExact(), (int) LIBBPF_MINOR_VERSION.invokeExact()};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** 1 when the kernel loads programs of this type, 0 when it refuses them, else a negative errno. */
    static int libbpf_probe_bpf_prog_type(int progType) {
        try {
            return (int) LIBBPF_PROBE_BPF_PROG_TYPE.invokeExact(progType, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- objects ----

    static MemorySegment bpf_object__open_mem(MemorySegment elf, String name) {
        try (Arena a = Arena.ofConfined()) {
            // libbpf copies object_name, so the options may die after the call
            MemorySegment opts = a.allocate(OPEN_OPTS);
            opts.set(JAVA_LONG, 0, OPEN_OPTS.byteSize());
            opts.set(ADDRESS, OPEN_OPTS_OBJECT_NAME, a.allocateFrom(name));
            MemorySegment state = a.allocate(ERRNO_STATE);
            MemorySegment obj = (MemorySegment) BPF_OBJECT__OPEN_MEM.invokeExact(state, elf, elf.byteSize(), opts);
            return nonNull(obj, state, "bpf_object__open_mem", "object '" + name + "'");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void bpf_object__load(MemorySegment obj, String subject) {
        try {
            check((int) BPF_OBJECT__LOAD.invokeExact(obj), "bpf_object__load", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void bpf_object__close(MemorySegment obj) {
        try {
            BPF_OBJECT__CLOSE.invokeExact(obj);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment bpf_object__find_map_by_name(MemorySegment obj, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_STATE);
            MemorySegment map = (MemorySegment) BPF_OBJECT__FIND_MAP_BY_NAME.invokeExact(state, obj, a.allocateFrom(name));
            return nonNull(map, state, "bpf_object__find_map_by_name", "map '" + name + "'");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment bpf_object__find_program_by_name(MemorySegment obj, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_STATE);
            MemorySegment prog = (MemorySegment) BPF_OBJECT__FIND_PROGRAM_BY_NAME.invokeExact(state, obj, a.allocateFrom(name));
            return nonNull(prog, state, "bpf_object__find_program_by_name", "program '" + name + "'");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- maps ----

    static int bpf_map__fd(MemorySegment map, String subject) {
        try {
            return check((int) BPF_MAP__FD.invokeExact(map), "bpf_map__fd", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bpf_map__type(MemorySegment map) {
        try {
            return (int) BPF_MAP__TYPE.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bpf_map__key_size(MemorySegment map) {
        try {
            return (int) BPF_MAP__KEY_SIZE.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bpf_map__value_size(MemorySegment map) {
        try {
            return (int) BPF_MAP__VALUE_SIZE.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bpf_map__max_entries(MemorySegment map) {
        try {
            return (int) BPF_MAP__MAX_ENTRIES.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void bpf_map__set_max_entries(MemorySegment map, int maxEntries, String subject) {
        try {
            check((int) BPF_MAP__SET_MAX_ENTRIES.invokeExact(map, maxEntries), "bpf_map__set_max_entries", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns false if the key is absent (ENOENT). */
    static boolean bpf_map_lookup_elem(int fd, MemorySegment key, MemorySegment value, String subject) {
        try {
            int rc = (int) BPF_MAP_LOOKUP_ELEM.invokeExact(fd, key, value);
            if (rc == -ENOENT) return false;
            check(rc, "bpf_map_lookup_elem", subject);
            return true;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns false if the key is absent (ENOENT); atomic for hash maps (Linux 5.14). */
    static boolean bpf_map_lookup_and_delete_elem(int fd, MemorySegment key, MemorySegment value, String subject) {
        try {
            int rc = (int) BPF_MAP_LOOKUP_AND_DELETE_ELEM.invokeExact(fd, key, value);
            if (rc == -ENOENT) return false;
            check(rc, "bpf_map_lookup_and_delete_elem", subject);
            return true;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void bpf_map_update_elem(int fd, MemorySegment key, MemorySegment value, long flags, String subject) {
        try {
            check((int) BPF_MAP_UPDATE_ELEM.invokeExact(fd, key, value, flags), "bpf_map_update_elem", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns 0 or -errno unchecked; count (a u32) is in: elements, out: elements updated. BPF_ANY. */
    static int bpf_map_update_batch(int fd, MemorySegment keys, MemorySegment values, MemorySegment count) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment opts = a.allocate(BATCH_OPTS);
            opts.set(JAVA_LONG, 0, BATCH_OPTS.byteSize());
            return (int) BPF_MAP_UPDATE_BATCH.invokeExact(fd, keys, values, count, opts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Fills info (a prefix of struct bpf_map_info) for the map behind fd. */
    static void bpf_obj_get_info_by_fd(int fd, MemorySegment info, String subject) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment len = a.allocateFrom(JAVA_INT, Math.toIntExact(info.byteSize()));
            check((int) BPF_OBJ_GET_INFO_BY_FD.invokeExact(fd, info, len), "bpf_obj_get_info_by_fd", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- pins and fds ----

    static void bpf_obj_pin(int fd, String path, String subject) {
        try (Arena a = Arena.ofConfined()) {
            check((int) BPF_OBJ_PIN.invokeExact(fd, a.allocateFrom(path)), "bpf_obj_pin", subject + " at " + path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** An fd of the link with this id, or a negative errno (-ENOENT once it is gone). */
    static int bpf_link_get_fd_by_id(int id) {
        try {
            return (int) BPF_LINK_GET_FD_BY_ID.invokeExact(id);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** An fd of the program with this id, or a negative errno (-ENOENT once it is freed). */
    static int bpf_prog_get_fd_by_id(int id) {
        try {
            return (int) BPF_PROG_GET_FD_BY_ID.invokeExact(id);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bpf_obj_get(String path, int fileFlags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment opts = a.allocate(OBJ_GET_OPTS);
            opts.set(JAVA_LONG, 0, OBJ_GET_OPTS.byteSize());
            opts.set(JAVA_INT, 8, fileFlags);
            return check((int) BPF_OBJ_GET.invokeExact(a.allocateFrom(path), opts), "bpf_obj_get", path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void close(int fd) {
        try {
            int _ = (int) CLOSE.invokeExact(fd); // Linux frees the fd even when close fails
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- programs and links ----

    static void bpf_program__set_autoload(MemorySegment prog, boolean autoload, String subject) {
        try {
            check((int) BPF_PROGRAM__SET_AUTOLOAD.invokeExact(prog, autoload), "bpf_program__set_autoload", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The programs of an object, as (handle, function name) in ELF order. */
    static java.util.List<java.util.Map.Entry<MemorySegment, String>> bpf_object__programs(MemorySegment obj) {
        try {
            var out = new java.util.ArrayList<java.util.Map.Entry<MemorySegment, String>>();
            MemorySegment p = MemorySegment.NULL;
            while (!(p = (MemorySegment) BPF_OBJECT__NEXT_PROGRAM.invokeExact(obj, p)).equals(MemorySegment.NULL))
                out.add(java.util.Map.entry(p, ((MemorySegment) BPF_PROGRAM__NAME.invokeExact(p)).reinterpret(4096).getString(0)));
            return out;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String bpf_program__section_name(MemorySegment prog) {
        try {
            return ((MemorySegment) BPF_PROGRAM__SECTION_NAME.invokeExact(prog)).reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** btf__find_by_name_kind without the error: a negative id means absent. */
    static int btf__find_id(MemorySegment btf, String name, int kind) {
        try (Arena a = Arena.ofConfined()) {
            return (int) BTF__FIND_BY_NAME_KIND.invokeExact(btf, a.allocateFrom(name), kind);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bpf_program__fd(MemorySegment prog, String subject) {
        try {
            return check((int) BPF_PROGRAM__FD.invokeExact(prog), "bpf_program__fd", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Runs the program once on a copy of ctx in native memory and copies the context back.
     * Only ctx_in is passed: for SEC("syscall") programs the kernel writes the context back
     * there and refuses ctx_out with EINVAL. Returns the program's return value.
     */
    static int bpf_prog_test_run_opts(int progFd, MemorySegment ctx, String subject) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment copy = a.allocate(Math.max(1, ctx.byteSize()), 8).copyFrom(ctx);
            MemorySegment opts = a.allocate(TEST_RUN_OPTS);
            opts.set(JAVA_LONG, 0, TEST_RUN_OPTS.byteSize());
            opts.set(ADDRESS, TEST_RUN_CTX_IN, ctx.byteSize() == 0 ? MemorySegment.NULL : copy);
            opts.set(JAVA_INT, TEST_RUN_CTX_SIZE_IN, Math.toIntExact(ctx.byteSize()));
            check((int) BPF_PROG_TEST_RUN_OPTS.invokeExact(progFd, opts), "bpf_prog_test_run_opts", subject);
            MemorySegment.copy(copy, 0, ctx, 0, ctx.byteSize());
            return opts.get(JAVA_INT, TEST_RUN_RETVAL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment bpf_program__attach(MemorySegment prog, String subject) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_STATE);
            return nonNull((MemorySegment) BPF_PROGRAM__ATTACH.invokeExact(state, prog), state, "bpf_program__attach", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment bpf_program__attach_lsm(MemorySegment prog, String subject) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_STATE);
            return nonNull((MemorySegment) BPF_PROGRAM__ATTACH_LSM.invokeExact(state, prog), state, "bpf_program__attach_lsm", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void bpf_link__pin(MemorySegment link, String path, String subject) {
        try (Arena a = Arena.ofConfined()) {
            check((int) BPF_LINK__PIN.invokeExact(link, a.allocateFrom(path)), "bpf_link__pin", subject + " at " + path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void bpf_link__unpin(MemorySegment link, String subject) {
        try {
            check((int) BPF_LINK__UNPIN.invokeExact(link), "bpf_link__unpin", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void bpf_link__destroy(MemorySegment link, String subject) {
        try {
            check((int) BPF_LINK__DESTROY.invokeExact(link), "bpf_link__destroy", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- ring buffers ----

    /** sample is int (MemorySegment ctx, MemorySegment data, long size); its stub lives in arena. */
    static MemorySegment ring_buffer__new(int mapFd, MethodHandle sample, Arena arena, String subject) {
        MemorySegment stub = LINKER.upcallStub(sample, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), arena);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_STATE);
            MemorySegment rb = (MemorySegment) RING_BUFFER__NEW.invokeExact(state, mapFd, stub, MemorySegment.NULL, MemorySegment.NULL);
            return nonNull(rb, state, "ring_buffer__new", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns the records consumed; a signal interrupting epoll_wait (EINTR) counts as none. */
    static int ring_buffer__poll(MemorySegment rb, int timeoutMs, String subject) {
        try {
            int rc = (int) RING_BUFFER__POLL.invokeExact(rb, timeoutMs);
            return rc == -EINTR ? 0 : check(rc, "ring_buffer__poll", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int ring_buffer__consume(MemorySegment rb, String subject) {
        try {
            return check((int) RING_BUFFER__CONSUME.invokeExact(rb), "ring_buffer__consume", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void ring_buffer__free(MemorySegment rb) {
        try {
            RING_BUFFER__FREE.invokeExact(rb);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- BTF ----

    static MemorySegment btf__parse(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_STATE);
            MemorySegment btf = (MemorySegment) BTF__PARSE.invokeExact(state, a.allocateFrom(path), MemorySegment.NULL);
            return nonNull(btf, state, "btf__parse", path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int btf__find_by_name_kind(MemorySegment btf, String name, int kind, String subject) {
        try (Arena a = Arena.ofConfined()) {
            return check((int) BTF__FIND_BY_NAME_KIND.invokeExact(btf, a.allocateFrom(name), kind),
                    "btf__find_by_name_kind", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The type's memory inside btf, zero-length: reinterpret it to its real size. */
    static MemorySegment btf__type_by_id(MemorySegment btf, int id, String subject) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_STATE);
            return nonNull((MemorySegment) BTF__TYPE_BY_ID.invokeExact(state, btf, id), state, "btf__type_by_id", subject);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String btf__name_by_offset(MemorySegment btf, int offset) {
        try {
            return cString((MemorySegment) BTF__NAME_BY_OFFSET.invokeExact(btf, offset));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long btf__resolve_size(MemorySegment btf, int typeId, String subject) {
        try {
            long size = (long) BTF__RESOLVE_SIZE.invokeExact(btf, typeId);
            if (size < 0) throw error("btf__resolve_size", subject, (int) -size);
            return size;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void btf__free(MemorySegment btf) {
        try {
            BTF__FREE.invokeExact(btf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
