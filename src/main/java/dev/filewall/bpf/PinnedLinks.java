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

    /** The kernel id of each pinned link (struct bpf_link_info starts {u32 type; u32 id; ...}). */
    public static List<Integer> ids(List<Path> pins) {
        return pins.stream().map(p -> {
            int fd = LibBpf.bpf_obj_get(p.toString());
            try (Arena a = Arena.ofConfined()) {
                MemorySegment info = a.allocate(64, 8);
                LibBpf.bpf_obj_get_info_by_fd(fd, info, "link " + p);
                return info.get(JAVA_INT, 4);
            } finally {
                LibBpf.close(fd);
            }
        }).toList();
    }

    /** Whether any of these links still exists. */
    public static boolean anyAlive(List<Integer> ids) {
        for (int id : ids) {
            int fd = LibBpf.bpf_link_get_fd_by_id(id);
            if (fd >= 0) {
                LibBpf.close(fd);
                return true;
            }
        }
        return false;
    }
}
