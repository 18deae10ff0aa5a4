package dev.filewall.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Layouts must match the structs of bpf/filewall.h as the compiler laid them out. */
class LayoutsBtfTest {
    /** The objects the kernel runs, as the Makefile built them: every mirrored struct is in one of them. */
    private static final List<Path> REAL = List.of(bpfObject("harness.bpf.o"), bpfObject("filewall.bpf.o"));
    private static final Path OBJECT = REAL.getFirst();

    static Path bpfObject(String name) {
        return Path.of(System.getProperty("filewall.bpf.dir", "target/bpf"), name);
    }

    /** The struct as the first real object that has it laid it out. */
    private static Btf.Struct inRealObject(String name) {
        for (Path o : REAL) {
            try (Btf btf = Btf.parse(o)) {
                return btf.struct(name);
            } catch (BpfException absent) {
                // not in this object's BTF: try the next
            }
        }
        throw new AssertionError("struct " + name + " is in none of " + REAL);
    }

    @Test
    void everyMirrorMatchesTheBtf() {
        {
            for (StructLayout layout : Layouts.ALL) {
                String name = layout.name().orElseThrow();
                Btf.Struct struct = inRealObject(name);
                List<Btf.Member> expected = layout.memberLayouts().stream()
                        .map(m -> new Btf.Member(m.name().orElseThrow(),
                                layout.byteOffset(MemoryLayout.PathElement.groupElement(m.name().orElseThrow())),
                                m.byteSize()))
                        .toList();
                assertThat(struct.size()).as("sizeof(struct %s)", name).isEqualTo(layout.byteSize());
                assertThat(struct.members()).as("members of struct %s", name).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void offsetConstantsAgreeWithTheBtf() {
        try (Btf btf = Btf.parse(OBJECT)) {
            assertThat(Layouts.Query.PATH).isEqualTo(btf.struct("fw_query").member("path").offset());
            assertThat(Layouts.Query.ERROR).isEqualTo(btf.struct("fw_query").member("error").offset());
            assertThat(Layouts.TableHdr.GROUPS_OFF).isEqualTo(btf.struct("fw_table_hdr").member("groups_off").offset());
            assertThat(Layouts.Group.LAST_WORD).isEqualTo(btf.struct("fw_group").member("last_word").offset());
            assertThat(Layouts.Ctl.SLOT_BLOCKS).isEqualTo(btf.struct("fw_ctl").member("slot_blocks").offset());
        }
    }

    @Test
    void unknownStructsAndClosedBtfFail() {
        Btf btf = Btf.parse(OBJECT);
        assertThatThrownBy(() -> btf.struct("no_such_struct"))
                .isInstanceOf(BpfException.class)
                .hasMessageStartingWith("btf__find_by_name_kind(struct no_such_struct): ENOENT");
        btf.close();
        assertThatThrownBy(() -> btf.struct("fw_ctl")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Btf.parse(Path.of("/nonexistent.o")))
                .isInstanceOf(BpfException.class)
                .hasMessageStartingWith("btf__parse(/nonexistent.o): ENOENT");
    }
}
