package dev.filewall.bpf;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/** The test objects of src/test/bpf (built by the Makefile) and a bpffs directory to pin in. */
public final class TestBpf {
    private TestBpf() {}

    /** struct ffm_ctx of ffm_test.bpf.c. */
    static final StructLayout CTX = MemoryLayout.structLayout(
            JAVA_INT.withName("key"),
            JAVA_INT.withName("count"),
            JAVA_LONG.withName("tag"),
            JAVA_LONG.withName("array_value"),
            JAVA_LONG.withName("hash_value"),
            JAVA_INT.withName("submitted"),
            JAVA_INT.withName("dropped"));
    static final long KEY = CTX.byteOffset(groupElement("key"));
    static final long COUNT = CTX.byteOffset(groupElement("count"));
    static final long TAG = CTX.byteOffset(groupElement("tag"));
    static final long ARRAY_VALUE = CTX.byteOffset(groupElement("array_value"));
    static final long HASH_VALUE = CTX.byteOffset(groupElement("hash_value"));
    static final long SUBMITTED = CTX.byteOffset(groupElement("submitted"));
    static final long DROPPED = CTX.byteOffset(groupElement("dropped"));

    /** struct ffm_event of ffm_test.bpf.c. */
    static final StructLayout EVENT = MemoryLayout.structLayout(
            JAVA_INT.withName("seq"),
            JAVA_INT.withName("key"),
            JAVA_LONG.withName("tag"),
            MemoryLayout.sequenceLayout(48, JAVA_BYTE).withName("fill"));

    /** A compiled test object, e.g. "ffm_test.bpf.o". */
    static Path object(String fileName) {
        String dir = System.getProperty("filewall.test.bpf.dir");
        if (dir == null) {
            throw new IllegalStateException("run with -Dfilewall.test.bpf.dir=<repo>/target/test-bpf (make test-host does)");
        }
        Path path = Path.of(dir, fileName);
        if (!Files.isRegularFile(path)) throw new IllegalStateException(path + " is missing: make target/test-bpf/" + fileName);
        return path;
    }

    /** ffm_test.bpf.o, opened and loaded. */
    public static BpfObject loadedFfmTest() {
        BpfObject obj = BpfObject.open(object("ffm_test.bpf.o"));
        try {
            obj.load();
            return obj;
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    /**
     * A fresh directory under /sys/fs/bpf. Pins need a bpffs there; where none is mounted
     * (a bare container), mount it, as systemd and bpftool do.
     */
    static Path bpffsDir() throws IOException, InterruptedException {
        Path root = Path.of("/sys/fs/bpf");
        if (!Files.getFileStore(root).type().equals("bpf")) {
            Process mount = new ProcessBuilder("mount", "-t", "bpf", "bpf", root.toString()).inheritIO().start();
            if (mount.waitFor() != 0) throw new IOException("mount -t bpf bpf " + root + " failed");
        }
        return Files.createDirectory(root.resolve("filewall-test-" + UUID.randomUUID()));
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
