package dev.filewall.bpf;

import static dev.filewall.bpf.BpfMapTest.u32;
import static dev.filewall.bpf.BpfMapTest.u64;
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
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.Test;

class BpfProgramTest {
    /** Shared by the property's tries: loading per try would dominate its time. */
    private static BpfObject shared;

    private static synchronized BpfObject shared() {
        if (shared == null) shared = TestBpf.loadedFfmTest();
        return shared;
    }

    @AfterContainer
    static synchronized void closeShared() {
        if (shared != null) shared.close();
        shared = null;
    }

    @Property(tries = 300)
    void testRunReadsTheContextAndWritesItBack(@ForAll @IntRange(max = 15) int key, @ForAll long arrayValue,
            @ForAll long hashValue, @ForAll boolean inHash) {
        BpfObject obj = shared();
        obj.map("array").update(u32(key), u64(arrayValue));
        BpfMap hash = obj.map("hash");
        if (inHash) hash.update(u32(key), u64(hashValue));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = arena.allocate(TestBpf.CTX);
            ctx.set(JAVA_INT, TestBpf.KEY, key);
            ctx.set(JAVA_LONG, TestBpf.HASH_VALUE, -1); // an out field the program must overwrite

            Optional<byte[]> expectedHash = hash.lookup(u32(key));
            int found = obj.program("probe").testRun(ctx);

            assertThat(found).isEqualTo(1 | (expectedHash.isPresent() ? 2 : 0));
            assertThat(ctx.get(JAVA_LONG, TestBpf.ARRAY_VALUE)).isEqualTo(arrayValue);
            assertThat(ctx.get(JAVA_LONG, TestBpf.HASH_VALUE))
                    .isEqualTo(expectedHash.map(v -> ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong()).orElse(0L));
            assertThat(ctx.get(JAVA_INT, TestBpf.KEY)).isEqualTo(key);
        }
    }

    @Test
    void testRunAcceptsAHeapContext() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            obj.map("array").update(u32(2), u64(99));
            MemorySegment ctx = MemorySegment.ofArray(new long[(int) TestBpf.CTX.byteSize() / 8]);
            ctx.set(JAVA_INT, TestBpf.KEY, 2);
            assertThat(obj.program("probe").testRun(ctx)).isEqualTo(1);
            assertThat(ctx.get(JAVA_LONG, TestBpf.ARRAY_VALUE)).isEqualTo(99);
        }
    }

    @Test
    void testRunFailureNamesTheCall() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            // shorter than the fields probe reads: the kernel refuses
            assertThatThrownBy(() -> obj.program("probe").testRun(MemorySegment.ofArray(new byte[4])))
                    .isInstanceOf(BpfException.class)
                    .hasMessageStartingWith("bpf_prog_test_run_opts(program 'probe'): EINVAL");
        }
    }

    @Test
    void aPinnedLinkStaysAttachedAfterItsHandleCloses() throws Exception {
        Path dir = TestBpf.bpffsDir();
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            BpfMap state = obj.map("tp_state");
            state.update(u32(0), u64(ProcessHandle.current().pid()));
            BpfLink link = obj.program("count_syscalls").attach();
            assertThat(hits(state)).isPositive(); // the lookup's own bpf() entered a syscall

            Path pin = dir.resolve("link");
            link.pin(pin);
            link.close();
            state.update(u32(1), u64(0));
            assertThat(hits(state)).isPositive();
            assertThatThrownBy(() -> link.pin(pin)).isInstanceOf(IllegalStateException.class);
            Files.delete(pin);

            try (BpfLink second = obj.program("count_syscalls").attach()) {
                second.pin(pin);
                assertThat(pin).exists();
                second.unpin();
                assertThat(pin).doesNotExist();
            }
        } finally {
            TestBpf.deleteTree(dir);
        }
    }

    @Test
    void attachFailureNamesTheCall() {
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            // SEC("syscall") programs run only through test_run
            assertThatThrownBy(() -> obj.program("probe").attach())
                    .isInstanceOf(BpfException.class)
                    .hasMessageStartingWith("bpf_program__attach(program 'probe')");
        }
    }

    @Test
    void pinsAProgram() throws Exception {
        Path dir = TestBpf.bpffsDir();
        try (BpfObject obj = TestBpf.loadedFfmTest()) {
            Path pin = dir.resolve("probe");
            obj.program("probe").pin(pin);
            assertThat(pin).exists();
            assertThatThrownBy(() -> obj.program("probe").pin(pin))
                    .isInstanceOf(BpfException.class)
                    .hasMessageStartingWith("bpf_obj_pin(program 'probe' at " + pin + "): EEXIST");
        } finally {
            TestBpf.deleteTree(dir);
        }
    }

    private static long hits(BpfMap state) {
        return ByteBuffer.wrap(state.lookup(u32(1)).orElseThrow()).order(ByteOrder.nativeOrder()).getLong();
    }
}
