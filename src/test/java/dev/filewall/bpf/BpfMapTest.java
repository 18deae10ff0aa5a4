package dev.filewall.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BpfMapTest {
    @Test
    void updatesAndLooksUpSegments() {
        try (BpfObject obj = TestBpf.loadedFfmTest(); Arena arena = Arena.ofConfined()) {
            BpfMap hash = obj.map("hash");
            MemorySegment key = arena.allocateFrom(JAVA_INT, 7);
            MemorySegment value = arena.allocate(JAVA_LONG);
            assertThat(hash.lookup(key, value)).isFalse();
            hash.update(key, arena.allocateFrom(JAVA_LONG, 0x1122334455667788L), BpfMap.NOEXIST);
            assertThat(hash.lookup(key, value)).isTrue();
            assertThat(value.get(JAVA_LONG, 0)).isEqualTo(0x1122334455667788L);
        }
    }

    @Test
    void updatesAndLooksUpByteArrays() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            BpfMap array = obj.map("array");
            array.update(u32(3), u64(42));
            assertThat(array.lookup(u32(3))).hasValueSatisfying(v -> assertThat(v).isEqualTo(u64(42)));
            assertThat(array.lookup(u32(99))).isEmpty(); // out of range: ENOENT
        }
    }

    @Test
    void failuresNameTheCallAndTheMap() {
        try (BpfObject obj = TestBpf.loadedFfmTest(); Arena arena = Arena.ofConfined()) {
            BpfMap hash = obj.map("hash");
            hash.update(u32(1), u64(1));
            assertThatThrownBy(() -> hash.update(arena.allocateFrom(JAVA_INT, 1), arena.allocate(JAVA_LONG), BpfMap.NOEXIST))
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(17))
                    .hasMessageStartingWith("bpf_map_update_elem(map 'hash'): EEXIST (17): File exists");
            assertThatThrownBy(() -> hash.setMaxEntries(10))
                    .isInstanceOf(BpfException.class)
                    .hasMessageStartingWith("bpf_map__set_max_entries(map 'hash'): EBUSY");
        }
    }

    @Test
    void refusesWrongSizes() {
        try (BpfObject obj = TestBpf.loadedFfmTest(); Arena arena = Arena.ofConfined()) {
            BpfMap hash = obj.map("hash");
            assertThatThrownBy(() -> hash.lookup(arena.allocate(8), arena.allocate(8)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
            assertThatThrownBy(() -> hash.lookup(arena.allocate(4), arena.allocate(4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value");
            assertThatThrownBy(() -> hash.updateBatch(arena.allocate(8), arena.allocate(8)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("values");
        }
    }

    @Test
    void perCpuValuesHaveOneSlotPerPossibleCpu() throws Exception {
        // "0-3" or "0" or "0-3,5-7": count the CPUs as the kernel does for per-CPU copies
        int cpus = 0;
        for (String range : Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim().split(",")) {
            String[] ends = range.split("-");
            cpus += ends.length == 1 ? 1 : Integer.parseInt(ends[1]) - Integer.parseInt(ends[0]) + 1;
        }
        try (BpfObject obj = TestBpf.loadedFfmTest(); Arena arena = Arena.ofConfined()) {
            BpfMap percpu = obj.map("percpu");
            assertThat(percpu.valueSize()).isEqualTo(8);
            assertThat(percpu.valueBufferSize()).isEqualTo(8L * cpus);
            MemorySegment key = arena.allocateFrom(JAVA_INT, 0);
            MemorySegment values = arena.allocate(JAVA_LONG, cpus);
            for (int cpu = 0; cpu < cpus; cpu++) values.setAtIndex(JAVA_LONG, cpu, 1000L + cpu);
            percpu.update(key, values, BpfMap.ANY);
            MemorySegment read = arena.allocate(JAVA_LONG, cpus);
            assertThat(percpu.lookup(key, read)).isTrue();
            assertThat(read.toArray(JAVA_LONG)).isEqualTo(values.toArray(JAVA_LONG));
            assertThatThrownBy(() -> percpu.lookup(key, arena.allocate(JAVA_LONG)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not " + 8L * cpus);
        }
    }

    @Test
    void updatesInBatches() {
        int n = 500;
        try (BpfObject obj = TestBpf.loadedFfmTest(); Arena arena = Arena.ofConfined()) {
            BpfMap hash = obj.map("hash");
            MemorySegment keys = arena.allocate(JAVA_INT, n);
            MemorySegment values = arena.allocate(JAVA_LONG, n);
            for (int i = 0; i < n; i++) {
                keys.setAtIndex(JAVA_INT, i, 1000 + i);
                values.setAtIndex(JAVA_LONG, i, 7L * i);
            }
            hash.updateBatch(keys, values);
            MemorySegment value = arena.allocate(JAVA_LONG);
            for (int i = 0; i < n; i++) {
                assertThat(hash.lookup(keys.asSlice(4L * i, 4), value)).isTrue();
                assertThat(value.get(JAVA_LONG, 0)).isEqualTo(7L * i);
            }
        }
    }

    @Test
    void aFailingBatchSaysHowFarItGot() {
        try (BpfObject obj = TestBpf.loadedFfmTest(); Arena arena = Arena.ofConfined()) {
            BpfMap array = obj.map("array"); // 16 entries: index 16 is out of range
            MemorySegment keys = arena.allocate(JAVA_INT, 20);
            for (int i = 0; i < 20; i++) keys.setAtIndex(JAVA_INT, i, i);
            assertThatThrownBy(() -> array.updateBatch(keys, arena.allocate(JAVA_LONG, 20)))
                    .isInstanceOf(BpfException.class)
                    .hasMessageStartingWith("bpf_map_update_batch(map 'array', after 16 of 20 elements): E2BIG");
        }
    }

    @Test
    void fallsBackToSingleUpdatesWhereTheMapHasNoBatch() {
        try (BpfObject obj = TestBpf.loadedFfmTest(); Arena arena = Arena.ofConfined()) {
            BpfMap progs = obj.map("progs");
            int n = 4;
            int progFd = obj.program("count_syscalls").fd();
            MemorySegment keys = arena.allocate(JAVA_INT, n);
            MemorySegment values = arena.allocate(JAVA_INT, n);
            for (int i = 0; i < n; i++) {
                keys.setAtIndex(JAVA_INT, i, i);
                values.setAtIndex(JAVA_INT, i, progFd);
            }
            // the kernel really lacks it, so updateBatch below takes the fallback
            MemorySegment count = arena.allocateFrom(JAVA_INT, n);
            assertThat(LibBpf.bpf_map_update_batch(progs.fd(), keys, values, count)).isEqualTo(-LibBpf.ENOTSUPP);

            progs.updateBatch(keys, values);
            MemorySegment progId = arena.allocate(JAVA_INT);
            for (int i = 0; i < n; i++) {
                assertThat(progs.lookup(keys.asSlice(4L * i, 4), progId)).isTrue(); // lookups give the program's id
                assertThat(progId.get(JAVA_INT, 0)).isPositive();
            }
        }
    }

    @Test
    void pinsAndOpensPinned() throws Exception {
        Path dir = TestBpf.bpffsDir();
        try {
            Path pin = dir.resolve("hash");
            try (BpfObject obj = TestBpf.loadedFfmTest()) {
                obj.map("hash").pin(pin);
                assertThat(pin).exists();
                obj.map("hash").update(u32(5), u64(55));
            } // the pin keeps the map

            BpfMap pinned = BpfMap.openPinned(pin);
            assertThat(pinned.name()).isEqualTo("hash");
            assertThat(pinned.keySize()).isEqualTo(4);
            assertThat(pinned.valueSize()).isEqualTo(8);
            assertThat(pinned.maxEntries()).isEqualTo(1024);
            assertThat(pinned.lookup(u32(5))).hasValueSatisfying(v -> assertThat(v).isEqualTo(u64(55)));
            pinned.update(u32(6), u64(66));
            try (BpfMap again = BpfMap.openPinned(pin)) {
                assertThat(again.lookup(u32(6))).hasValueSatisfying(v -> assertThat(v).isEqualTo(u64(66)));
            }
            pinned.close();
            assertThatThrownBy(pinned::fd).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> pinned.setMaxEntries(1)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> BpfMap.openPinned(dir.resolve("nothing")))
                    .isInstanceOf(BpfException.class)
                    .hasMessageStartingWith("bpf_obj_get(" + dir.resolve("nothing") + "): ENOENT");
        } finally {
            TestBpf.deleteTree(dir);
        }
        assertThat(Files.exists(dir)).isFalse();
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }
}
