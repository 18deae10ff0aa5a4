package dev.filewall.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class BpfObjectTest {
    @Test
    void loadsAndFindsMapsAndPrograms() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            assertThat(obj.name()).isEqualTo("ffm_test");
            BpfMap array = obj.map("array");
            assertThat(array.keySize()).isEqualTo(4);
            assertThat(array.valueSize()).isEqualTo(8);
            assertThat(array.maxEntries()).isEqualTo(16);
            assertThat(array.fd()).isPositive();
            assertThat(obj.program("probe").fd()).isPositive();
        }
    }

    @Test
    void opensFromBytesAsFromAFile() throws Exception {
        byte[] elf = Files.readAllBytes(TestBpf.object("ffm_test.bpf.o"));
        try (BpfObject obj = BpfObject.open("from_bytes", elf)) {
            obj.load();
            assertThat(obj.name()).isEqualTo("from_bytes");
            assertThat(obj.map("hash").fd()).isPositive();
        }
    }

    @Test
    void verifierRejectionCarriesTheVerifierLog() {
        try (BpfObject obj = BpfObject.open(TestBpf.object("ffm_bad.bpf.o"))) {
            assertThatThrownBy(obj::load)
                    .isInstanceOfSatisfying(BpfException.class, e -> {
                        assertThat(e.function()).isEqualTo("bpf_object__load");
                        assertThat(e.errno()).isEqualTo(13); // EACCES: the verifier said no
                        assertThat(e.log()).contains("BEGIN PROG LOAD LOG")
                                .contains("invalid mem access 'map_value_or_null'");
                    })
                    .hasMessageContaining("bpf_object__load(object 'ffm_bad'): EACCES (13): Permission denied")
                    .hasMessageContaining("invalid mem access 'map_value_or_null'");
        }
    }

    @Test
    void unknownNamesAreBpfExceptionsNamingTheCall() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            assertThatThrownBy(() -> obj.map("no_such_map"))
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(2))
                    .hasMessageStartingWith("bpf_object__find_map_by_name(map 'no_such_map'): ENOENT (2)");
            assertThatThrownBy(() -> obj.program("no_such_program"))
                    .isInstanceOf(BpfException.class)
                    .hasMessageStartingWith("bpf_object__find_program_by_name(program 'no_such_program'): ENOENT (2)");
        }
    }

    @Test
    void garbageIsNoElfObject() {
        assertThatThrownBy(() -> BpfObject.open("garbage", "not an ELF file".getBytes()))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.function()).isEqualTo("bpf_object__open_mem"))
                .hasMessageContaining("garbage");
    }

    @Test
    void loadingTwiceFails() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            assertThatThrownBy(obj::load).isInstanceOf(BpfException.class).hasMessageStartingWith("bpf_object__load");
        }
    }

    @Test
    void everythingOfAClosedObjectThrowsIllegalState() {
        BpfObject obj = TestBpf.loadedFfmTest();
        BpfMap map = obj.map("array");
        BpfProgram prog = obj.program("probe");
        obj.close();
        obj.close(); // idempotent

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment four = arena.allocate(4);
            MemorySegment eight = arena.allocate(8);
            assertThatThrownBy(obj::load).isInstanceOf(IllegalStateException.class).hasMessageContaining("ffm_test");
            assertThatThrownBy(() -> obj.map("array")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> obj.program("probe")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(map::fd).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> map.lookup(four, eight)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> map.update(four, eight, BpfMap.ANY)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(prog::fd).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> prog.testRun(arena.allocate(TestBpf.CTX))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(prog::attach).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aClosedMapHandleThrowsWhileItsObjectLivesOn() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            BpfMap map = obj.map("array");
            map.close();
            assertThatThrownBy(map::fd).isInstanceOf(IllegalStateException.class).hasMessageContaining("map 'array'");
            assertThat(obj.map("array").fd()).isPositive();
        }
    }
}
