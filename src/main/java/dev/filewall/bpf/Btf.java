package dev.filewall.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The BTF of a compiled object (its .BTF section) or a raw BTF file such as
 * /sys/kernel/btf/vmlinux, read for struct layouts. Thread-safe; unusable after close().
 */
@SuppressWarnings("restricted") // native access is this package's job; the launcher enables it
public final class Btf implements AutoCloseable {
    private static final int BTF_KIND_STRUCT = 4, BTF_KIND_FUNC = 12;
    // struct btf_type {u32 name_off; u32 info; u32 size_or_type}, then vlen struct btf_member
    // {u32 name_off; u32 type; u32 offset}; btf.h reads them with static inlines we cannot call
    private static final int TYPE_SIZE = 12, MEMBER_SIZE = 12;

    /** A member: byte offset in its struct and byte size. */
    public record Member(String name, long offset, long size) {}

    /** A struct: byte size and members in declaration order. */
    public record Struct(String name, long size, List<Member> members) {
        public Member member(String memberName) {
            return members.stream().filter(m -> m.name().equals(memberName)).findFirst()
                    .orElseThrow(() -> new NoSuchElementException("struct " + name + " has no member " + memberName));
        }
    }

    private final MemorySegment btf;
    private final Lifetime life;

    private Btf(MemorySegment btf, Path file) {
        this.btf = btf;
        this.life = new Lifetime("BTF of " + file);
    }

    public static Btf parse(Path file) {
        try (var _ = LibBpf.captureLog()) {
            return new Btf(LibBpf.btf__parse(file.toString()), file);
        }
    }

    /** Whether a function of this name exists, e.g. bpf_lsm_file_truncate in the kernel's BTF. */
    public boolean hasFunction(String name) {
        try (var _ = life.enter()) {
            return LibBpf.btf__find_id(btf, name, BTF_KIND_FUNC) > 0;
        }
    }

    /**
     * The struct named name. Bitfield members are refused (UnsupportedOperationException): they
     * have no byte offset.
     */
    public Struct struct(String name) {
        try (var _ = life.enter()) {
            String subject = "struct " + name;
            int id = LibBpf.btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT, subject);
            MemorySegment type = LibBpf.btf__type_by_id(btf, id, subject).reinterpret(TYPE_SIZE);
            int info = type.get(JAVA_INT, 4);
            int vlen = info & 0xffff;
            boolean kflag = info < 0; // bit 31: member offsets carry bitfield sizes
            long size = Integer.toUnsignedLong(type.get(JAVA_INT, 8));
            type = type.reinterpret(TYPE_SIZE + (long) MEMBER_SIZE * vlen);
            List<Member> members = new ArrayList<>(vlen);
            for (int i = 0; i < vlen; i++) {
                long at = TYPE_SIZE + (long) MEMBER_SIZE * i;
                String member = LibBpf.btf__name_by_offset(btf, type.get(JAVA_INT, at));
                int memberType = type.get(JAVA_INT, at + 4);
                int offset = type.get(JAVA_INT, at + 8);
                long bitOffset = kflag ? offset & 0xffffff : Integer.toUnsignedLong(offset);
                int bitfieldSize = kflag ? offset >>> 24 : 0;
                if (bitfieldSize != 0 || bitOffset % 8 != 0) {
                    throw new UnsupportedOperationException(subject + " member " + member + " is a bitfield");
                }
                members.add(new Member(member, bitOffset / 8,
                        LibBpf.btf__resolve_size(btf, memberType, subject + " member " + member)));
            }
            return new Struct(name, size, List.copyOf(members));
        }
    }

    @Override
    public void close() {
        life.close(() -> LibBpf.btf__free(btf));
    }
}
