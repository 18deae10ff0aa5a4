package dev.filewall.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/**
 * Ids of pinned links, so that whoever removes the pins can wait until the kernel has really
 * released the links: the release may be deferred, and "enforcement ended" must be true when said.
 */
public final class PinnedLinks {
    private PinnedLinks() {}

    /**
     * The kernel ids of each pinned link and of its program (struct bpf_link_info starts
     * {u32 type; u32 id; u32 prog_id}): a program is freed only after its link has detached it.
     */
    public static List<int[]> ids(List<Path> pins) {
        return pins.stream().map(p -> {
            int fd = LibBpf.bpf_obj_get(p.toString(), 0);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment info = a.allocate(64, 8);
                LibBpf.bpf_obj_get_info_by_fd(fd, info, "link " + p);
                return new int[] {info.get(JAVA_INT, 4), info.get(JAVA_INT, 8)};
            } finally {
                LibBpf.close(fd);
            }
        }).toList();
    }

    /** Whether any of these links, or a program they attached, still exists. */
    public static boolean anyAlive(List<int[]> ids) {
        for (int[] id : ids) {
            int link = LibBpf.bpf_link_get_fd_by_id(id[0]), prog = LibBpf.bpf_prog_get_fd_by_id(id[1]);
            if (link >= 0) LibBpf.close(link);
            if (prog >= 0) LibBpf.close(prog);
            if (link >= 0 || prog >= 0) return true;
        }
        return false;
    }
}
