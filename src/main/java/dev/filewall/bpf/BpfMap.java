package dev.filewall.bpf;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * A BPF map: either one of a {@link BpfObject} (its fd belongs to the object) or one opened
 * from a pin with {@link #openPinned} (this handle owns the fd). After {@link #close()}, or
 * after its object is closed, every method throws {@link IllegalStateException}. Keys and
 * values given as MemorySegment must be native and exactly keySize() and valueBufferSize()
 * bytes. Thread-safe.
 */
public final class BpfMap implements AutoCloseable {
    /** Update flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
    public static final long ANY = 0, NOEXIST = 1, EXIST = 2;

    // BPF_MAP_TYPE_PERCPU_HASH, _PERCPU_ARRAY, _LRU_PERCPU_HASH, _PERCPU_CGROUP_STORAGE
    private static final Set<Integer> PER_CPU_TYPES = Set.of(5, 6, 10, 21);

    private static final long INFO_TYPE = LibBpf.MAP_INFO.byteOffset(groupElement("type"));
    private static final long INFO_KEY_SIZE = LibBpf.MAP_INFO.byteOffset(groupElement("key_size"));
    private static final long INFO_VALUE_SIZE = LibBpf.MAP_INFO.byteOffset(groupElement("value_size"));
    private static final long INFO_MAX_ENTRIES = LibBpf.MAP_INFO.byteOffset(groupElement("max_entries"));
    private static final long INFO_NAME = LibBpf.MAP_INFO.byteOffset(groupElement("name"));

    private final Lifetime life;
    private final MemorySegment map; // struct bpf_map *, NULL when opened from a pin
    private final int pinnedFd;      // -1 for a map of an object
    private final String name;
    private final int keySize;
    private final int valueSize;
    private final long valueBufferSize;
    private final int pinnedMaxEntries;

    BpfMap(Lifetime objectLife, MemorySegment map, String name) {
        this(new Lifetime(objectLife, "map '" + name + "'"), map, -1, name, LibBpf.bpf_map__type(map),
                LibBpf.bpf_map__key_size(map), LibBpf.bpf_map__value_size(map), -1);
    }

    private BpfMap(Lifetime life, MemorySegment map, int pinnedFd, String name, int type, int keySize, int valueSize,
            int pinnedMaxEntries) {
        this.life = life;
        this.map = map;
        this.pinnedFd = pinnedFd;
        this.name = name;
        this.keySize = keySize;
        this.valueSize = valueSize;
        // the kernel copies a per-CPU map's value for every possible CPU, each 8-byte aligned
        this.valueBufferSize = PER_CPU_TYPES.contains(type)
                ? ((valueSize + 7L) & ~7L) * LibBpf.libbpf_num_possible_cpus() : valueSize;
        this.pinnedMaxEntries = pinnedMaxEntries;
    }

    /** Opens the map pinned at path (bpf_obj_get) for reading and writing; close() closes its fd. */
    public static BpfMap openPinned(Path path) {
        return openPinned(path, false);
    }

    /** The same; readOnly: an fd that can only look up (BPF_F_RDONLY). */
    public static BpfMap openPinned(Path path, boolean readOnly) {
        int fd = LibBpf.bpf_obj_get(path.toString(), readOnly ? LibBpf.BPF_F_RDONLY : 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(LibBpf.MAP_INFO);
            LibBpf.bpf_obj_get_info_by_fd(fd, info, "map pinned at " + path);
            String name = info.asSlice(INFO_NAME, 16).getString(0);
            return new BpfMap(new Lifetime("map '" + name + "' pinned at " + path), MemorySegment.NULL, fd, name,
                    info.get(JAVA_INT, INFO_TYPE), info.get(JAVA_INT, INFO_KEY_SIZE),
                    info.get(JAVA_INT, INFO_VALUE_SIZE), info.get(JAVA_INT, INFO_MAX_ENTRIES));
        } catch (RuntimeException | Error e) {
            LibBpf.close(fd);
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public int keySize() {
        try (var _ = life.enter()) {
            return keySize;
        }
    }

    public int valueSize() {
        try (var _ = life.enter()) {
            return valueSize;
        }
    }

    /**
     * The bytes lookup and update take for one value: valueSize(), or for a per-CPU map one
     * value per possible CPU, each rounded up to 8 bytes, CPU 0 first.
     */
    public long valueBufferSize() {
        try (var _ = life.enter()) {
            return valueBufferSize;
        }
    }

    public int maxEntries() {
        try (var _ = life.enter()) {
            return isPinned() ? pinnedMaxEntries : LibBpf.bpf_map__max_entries(map);
        }
    }

    /** Before the object's load(): sizes the map (a ring buffer: bytes, a power of 2 of pages). */
    public void setMaxEntries(int maxEntries) {
        try (var _ = life.enter()) {
            if (isPinned()) throw new IllegalStateException(subject() + " is already created");
            LibBpf.bpf_map__set_max_entries(map, maxEntries, subject());
        }
    }

    /** The map's fd; valid after the object's load() and until close. */
    public int fd() {
        try (var _ = life.enter()) {
            return rawFd();
        }
    }

    /** Copies the value of key into value; false if the key is absent. */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        try (var _ = life.enter()) {
            requireSize("key", key, keySize);
            requireSize("value", value, valueBufferSize);
            return LibBpf.bpf_map_lookup_elem(rawFd(), key, value, subject());
        }
    }

    /** Copies the value of key into value and removes the entry in one step; false if the key is absent. */
    public boolean lookupAndDelete(MemorySegment key, MemorySegment value) {
        try (var _ = life.enter()) {
            requireSize("key", key, keySize);
            requireSize("value", value, valueBufferSize);
            return LibBpf.bpf_map_lookup_and_delete_elem(rawFd(), key, value, subject());
        }
    }

    public Optional<byte[]> lookup(byte[] key) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(valueBufferSize(), 8);
            if (!lookup(a.allocate(key.length, 8).copyFrom(MemorySegment.ofArray(key)), value)) return Optional.empty();
            return Optional.of(value.toArray(JAVA_BYTE));
        }
    }

    /** flags: {@link #ANY}, {@link #NOEXIST} or {@link #EXIST}. */
    public void update(MemorySegment key, MemorySegment value, long flags) {
        try (var _ = life.enter()) {
            requireSize("key", key, keySize);
            requireSize("value", value, valueBufferSize);
            LibBpf.bpf_map_update_elem(rawFd(), key, value, flags, subject());
        }
    }

    public void update(byte[] key, byte[] value) {
        try (Arena a = Arena.ofConfined()) {
            update(a.allocate(key.length, 8).copyFrom(MemorySegment.ofArray(key)),
                    a.allocate(value.length, 8).copyFrom(MemorySegment.ofArray(value)), ANY);
        }
    }

    /**
     * Sets keys.byteSize() / keySize() elements, keys and values (valueBufferSize() each)
     * packed back to back, with one bpf_map_update_batch (BPF_ANY: the kernel takes no
     * NOEXIST/EXIST for batches). Map types
     * without a batch update in the kernel (e.g. PROG_ARRAY) answer ENOTSUPP (524) or
     * EOPNOTSUPP before touching any element: then each element gets its own
     * bpf_map_update_elem. EINVAL is no reason to fall back: the command exists since 5.6,
     * before BPF LSM (5.7), so it means a real error.
     */
    public void updateBatch(MemorySegment keys, MemorySegment values) {
        try (var _ = life.enter(); Arena a = Arena.ofConfined()) {
            long n = keys.byteSize() / keySize;
            requireSize("keys", keys, n * keySize);
            requireSize("values", values, n * valueBufferSize);
            if (n == 0) return;
            MemorySegment count = a.allocateFrom(JAVA_INT, Math.toIntExact(n));
            int rc = LibBpf.bpf_map_update_batch(rawFd(), keys, values, count);
            if (rc == -LibBpf.ENOTSUPP || rc == -LibBpf.EOPNOTSUPP) {
                for (long i = 0; i < n; i++) {
                    LibBpf.bpf_map_update_elem(rawFd(), keys.asSlice(i * keySize, keySize),
                            values.asSlice(i * valueBufferSize, valueBufferSize), ANY, subject() + " element " + i);
                }
            } else if (rc < 0) {
                // count is how many elements were set, unless the kernel failed before starting (count stays n)
                long done = Integer.toUnsignedLong(count.get(JAVA_INT, 0));
                throw LibBpf.error("bpf_map_update_batch", subject() + ", "
                        + (done == n ? n + " elements" : "after " + done + " of " + n + " elements"), -rc);
            }
        }
    }

    /** Pins the map at path, on a bpffs; it then outlives this process until the pin is removed. */
    public void pin(Path path) {
        try (var _ = life.enter()) {
            LibBpf.bpf_obj_pin(rawFd(), path.toString(), subject());
        }
    }

    /** Releases this handle; a map opened from a pin closes its fd, a map of an object leaves it to the object. */
    @Override
    public void close() {
        life.close(() -> {
            if (isPinned()) LibBpf.close(pinnedFd);
        });
    }

    private boolean isPinned() {
        return pinnedFd >= 0;
    }

    private int rawFd() {
        return isPinned() ? pinnedFd : LibBpf.bpf_map__fd(map, subject());
    }

    private String subject() {
        return "map '" + name + "'";
    }

    private void requireSize(String what, MemorySegment s, long size) {
        if (s.byteSize() != size) {
            throw new IllegalArgumentException(what + " of " + subject() + " is " + s.byteSize() + " bytes, not " + size);
        }
    }
}
