/* SPDX-License-Identifier: GPL-2.0 */
/* Absolute paths as the process sees them, on every hook kind and every kernel from 6.1:
 * our own prepend_path (fs/d_path.c) over dentries and mounts, one step per bpf_loop turn.
 * bpf_d_path would be simpler but is refused on path_* hooks before they became sleepable
 * (~6.8), and inode_* hooks have no struct path at all.
 *
 * Every pointer is read with probe reads (BPF_CORE_READ), never dereferenced directly:
 * pointers travel between programs and global functions as plain u64, which is what lets
 * the walk live in one global function that each program verifies only once.
 *
 * Include after vmlinux.h, bpf_helpers.h, bpf_core_read.h and filewall.h. */
#ifndef FW_PATH_H
#define FW_PATH_H

/* The three path buffers of fw_paths: the operation's path(s) and an executable's. */
#define FW_BUF_PATH   0
#define FW_BUF_PATH2  1
#define FW_BUF_EXE    2
#define FW_NBUF       3

/* A walk touches every dentry and every mount crossed; a path of FW_PATH_MAX bytes has at most
 * FW_PATH_MAX / 2 components, the rest is room for mount crossings (stacked mounts). Reaching
 * the bound means "not resolved", never "no match". */
#define FW_WALK_MAX   (FW_PATH_MAX * 2)
/* Mounts of one superblock examined by the dentry-only hooks (inode_*). */
#define FW_SB_MOUNTS_MAX 16

/* MNT_NS_INTERNAL (fs/mount.h): ERR_PTR(-EINVAL), the namespace of kern_mount()s (pipefs,
 * shm/memfd, sockfs, nsfs) and of the private clones stacking filesystems (overlayfs) make
 * of their layers. */
#define FW_MNT_NS_INTERNAL ((__u64)-22L)

enum fw_walk_res {
	FW_W_OK = 0,          /* reached the process's root: the path it sees */
	FW_W_PSEUDO,          /* a file with no directory (memfd, pipe, socket) on a kernel-internal
				 mount: named "/" + its dentry name, as d_path names memfds */
	FW_W_INTERNAL,        /* reached the root of a kernel-internal mount: a layer of a stacking
				 fs (overlayfs), named relative to that layer */
	FW_W_TRUNCATED,       /* longer than FW_PATH_MAX: the buffer holds its last bytes */
	FW_W_UNREACHABLE,     /* not below the process's root: another mount namespace, a detached
				 mount, outside its chroot, or no unique mount (dentry-only hooks) */
	FW_W_FAILED,          /* a read failed, a disconnected dentry, or the walk bound was hit */
};

/* buf[i][off .. off + len) holds path i; res is an enum fw_walk_res. */
struct fw_pathres {
	__u32 off;
	__u32 len;
	__u32 res;
	__u32 pad;
};

/* Per-CPU working memory of one hook invocation: too large for the 512-byte stack. Everything
 * a bpf_loop callback updates lives here, in map memory the verifier does not track, so each
 * callback is verified in one or two passes (a stack context with changing constants makes
 * 6.7+ re-verify it until the states repeat). */
struct fw_paths {
	char buf[FW_NBUF][FW_PATH_MAX];
	/* Never written at run time: the verifier cannot relate a name's length to the offset it
	 * is written at, so it must see room for the largest both could be at once. */
	char slack[FW_PATH_MAX];
	struct fw_pathres ps[FW_NBUF];

	/* the walk in progress */
	__u64 w_dentry;
	__u64 w_mnt;          /* struct mount * */
	__u64 w_root_dentry;  /* the process's root, 0 if it has none (exiting task) */
	__u64 w_root_mnt;     /* struct vfsmount * */
	__u32 w_buf;          /* FW_BUF_* */
	__u32 w_off;          /* the path is built backwards, ending at buf[w_buf][FW_PATH_MAX] */
	__u32 w_res;
	__u32 w_pad;

	/* the mount search of the dentry-only hooks */
	__u64 m_pos;          /* list position (list_head kernels) or struct mount * (6.18) */
	__u64 m_head;         /* &sb->s_mounts on list_head kernels */
	__u64 m_ns;           /* the caller's mount namespace */
	__u64 m_found;        /* struct mount * of the (last) candidate in that namespace */
	__u64 m_internal;     /* an internal mount of the superblock */
	__u64 m_any;          /* the last mount seen: names the file in an unresolved event */
	__u32 m_count;        /* candidates in the caller's namespace */
	__u32 m_total;        /* mounts of the superblock seen */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_paths);
	__uint(max_entries, 1);
} fw_paths SEC(".maps");

static __always_inline struct fw_paths *fw_paths_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fw_paths, &zero);
}

/* v with the bound max made visible to the verifier in the very register used next: clang
 * may otherwise drop a mask it can prove redundant, and 6.1 loses a bound checked on one
 * register once the value is reloaded from a spill. Values above max become 0; callers only
 * pass values already known to be <= max, so this never changes a result. */
#define fw_bnd(v, max) ({						\
	__u64 __b = (v);						\
	asm volatile("if %0 <= %1 goto +1; %0 = 0" : "+r"(__b) : "i"(max)); \
	__b;								\
})

/* Between 6.12 and 6.18 the list of a superblock's mounts (list_head s_mounts, mnt_instance)
 * became a singly linked one (struct mount *s_mounts, mnt_next_for_sb): vmlinux.h (6.18) has
 * the new one, these flavors the old one; bpf_core_field_exists picks at load time. */
struct mount___lst {
	struct list_head mnt_instance;
} __attribute__((preserve_access_index));

struct super_block___lst {
	struct list_head s_mounts;
} __attribute__((preserve_access_index));

static __always_inline __u64 fw_real_mount(__u64 vfsmnt)
{
	return vfsmnt - bpf_core_field_offset(struct mount, mnt);
}

static __always_inline __u64 fw_vfsmount(__u64 mnt)
{
	return mnt + bpf_core_field_offset(struct mount, mnt);
}

struct fw_wctx {
	struct fw_paths *w;
};

/* Prepends "/" + a name (len bytes at name): 0, 1 when the path no longer fits (the buffer
 * keeps the tail built so far), 2 when the name cannot be read. */
static __always_inline int fw_prepend(struct fw_paths *w, const unsigned char *name, __u32 len)
{
	__u32 off = w->w_off, b = w->w_buf;
	char *p;

	if (off > FW_PATH_MAX || len >= off || b >= FW_NBUF)
		return 1;
	/* no-ops at run time (len < off <= FW_PATH_MAX, b < FW_NBUF): bounds for the verifier */
	len = fw_bnd(len, FW_PATH_MAX - 1);
	off = fw_bnd(off - len - 1, FW_PATH_MAX - 1);
	b = fw_bnd(b, FW_NBUF - 1);
	p = &w->buf[0][0] + b * FW_PATH_MAX + off;
	p[0] = '/';
	if (len && bpf_probe_read_kernel(p + 1, len, name))
		return 2;
	w->w_off = off;
	return 0;
}

/* One step of prepend_path: the root, a mount crossing, or one component. */
static int fw_walk_path_cb(__u32 i, void *ctx)
{
	struct fw_paths *w = ((struct fw_wctx *)ctx)->w;
	struct dentry *d = (void *)w->w_dentry, *parent, *mnt_root;
	struct mount *m = (void *)w->w_mnt, *mp;
	__u64 ns;
	int r;

	if (!d || !m) {
		w->w_res = FW_W_FAILED;
		return 1;
	}
	if (w->w_dentry == w->w_root_dentry && fw_vfsmount(w->w_mnt) == w->w_root_mnt) {
		w->w_res = FW_W_OK;
		return 1;
	}
	mnt_root = BPF_CORE_READ(m, mnt.mnt_root);
	parent = BPF_CORE_READ(d, d_parent);
	if (d == mnt_root) {
		mp = BPF_CORE_READ(m, mnt_parent);
		if (mp && mp != m) {
			w->w_dentry = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
			w->w_mnt = (__u64)mp;
			return 0;
		}
		/* the top of a mount tree without meeting the process's root */
		ns = (__u64)BPF_CORE_READ(m, mnt_ns);
		if (ns == FW_MNT_NS_INTERNAL)
			w->w_res = FW_W_INTERNAL;
		else if (!w->w_root_dentry && ns)
			w->w_res = FW_W_OK;    /* a task without fs: its namespace's root */
		else
			w->w_res = FW_W_UNREACHABLE;
		return 1;
	}
	if (!parent || d == parent) {
		/* A root that is not its mount's root: a pseudo file (alloc_file_pseudo) on an
		 * internal mount, or a disconnected dentry (NFS export, open_by_handle_at). */
		ns = (__u64)BPF_CORE_READ(m, mnt_ns);
		if (ns != FW_MNT_NS_INTERNAL || !parent) {
			w->w_res = FW_W_FAILED;
			return 1;
		}
		r = fw_prepend(w, BPF_CORE_READ(d, d_name.name), BPF_CORE_READ(d, d_name.len));
		w->w_res = r == 0 ? FW_W_PSEUDO : r == 1 ? FW_W_TRUNCATED : FW_W_FAILED;
		return 1;
	}
	r = fw_prepend(w, BPF_CORE_READ(d, d_name.name), BPF_CORE_READ(d, d_name.len));
	if (r) {
		w->w_res = r == 1 ? FW_W_TRUNCATED : FW_W_FAILED;
		return 1;
	}
	w->w_dentry = (__u64)parent;
	return 0;
}

/* Resolves (vfsmount, dentry) into fw_paths buffer `buf` and returns its enum fw_walk_res.
 * Global: verified once per program, whatever the number of call sites. The name is read
 * without rename_lock, so a rename racing with the walk can give a torn path; the decision
 * then concerns a name that existed a moment ago. */
__noinline int fw_resolve(__u32 buf, __u64 vfsmnt, __u64 dentry)
{
	struct fw_paths *w = fw_paths_get();
	struct task_struct *task = bpf_get_current_task_btf();
	struct fw_wctx c;
	__u32 off, len, b = buf;

	if (!w || b >= FW_NBUF)
		return FW_W_FAILED;
	c.w = w;
	w->w_buf = b;
	w->w_off = FW_PATH_MAX;
	w->w_res = FW_W_FAILED;     /* stays if the bound is reached */
	w->w_dentry = dentry;
	w->w_mnt = vfsmnt ? fw_real_mount(vfsmnt) : 0;
	w->w_root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry);
	w->w_root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt);
	bpf_loop(FW_WALK_MAX, fw_walk_path_cb, &c, 0);

	off = w->w_off;
	if (off > FW_PATH_MAX)
		off = FW_PATH_MAX;
	if (off == FW_PATH_MAX && w->w_res <= FW_W_INTERNAL) {
		/* the root itself */
		w->buf[fw_bnd(b, FW_NBUF - 1)][FW_PATH_MAX - 1] = '/';
		off = FW_PATH_MAX - 1;
	}
	len = FW_PATH_MAX - off;
	b = fw_bnd(b, FW_NBUF - 1);
	w->ps[b].off = off;
	w->ps[b].len = len;
	w->ps[b].res = w->w_res;
	return w->w_res;
}

/* One mount of the superblock's list: counts those of the caller's namespace. */
static int fw_sb_mount_cb(__u32 i, void *ctx)
{
	struct fw_paths *w = ((struct fw_wctx *)ctx)->w;
	struct list_head *pos = (void *)w->m_pos;
	__u64 m, ns;

	if (bpf_core_field_exists(struct mount___lst, mnt_instance)) {
		if (!pos || (__u64)pos == w->m_head)
			return 1;
		m = (__u64)pos - bpf_core_field_offset(struct mount___lst, mnt_instance);
		w->m_pos = (__u64)BPF_CORE_READ(pos, next);
	} else {
		if (!pos)
			return 1;
		m = (__u64)pos;
		w->m_pos = (__u64)BPF_CORE_READ((struct mount *)m, mnt_next_for_sb);
	}
	w->m_total++;
	w->m_any = m;
	ns = (__u64)BPF_CORE_READ((struct mount *)m, mnt_ns);
	if (ns == w->m_ns) {
		w->m_count++;
		w->m_found = m;
	} else if (ns == FW_MNT_NS_INTERNAL) {
		w->m_internal = m;
	}
	return 0;
}

/* For hooks that get a dentry and no mount (inode_setattr, inode_setxattr, inode_removexattr):
 * the mount is found through the superblock's list of its mounts. If exactly one of them is in
 * the caller's mount namespace, the path is resolved through it; a superblock mounted nowhere
 * but internally (memfd, pipes) uses that internal mount. Several mounts in the caller's
 * namespace (bind mounts) give several names for one file and no way to tell which one the
 * process used: FW_W_UNREACHABLE, decided by the unresolved policy. So are a superblock with
 * more than FW_SB_MOUNTS_MAX mounts and one mounted only in other namespaces. The list is read
 * without mount_lock: a mount or umount racing with the search can make it give up. */
__noinline int fw_resolve_dentry(__u32 buf, __u64 dentry)
{
	struct fw_paths *w = fw_paths_get();
	struct task_struct *task = bpf_get_current_task_btf();
	struct super_block *sb;
	struct fw_wctx c;
	__u32 b = buf;

	if (!w || b >= FW_NBUF)
		return FW_W_FAILED;
	c.w = w;
	sb = BPF_CORE_READ((struct dentry *)dentry, d_sb);
	w->m_ns = (__u64)BPF_CORE_READ(task, nsproxy, mnt_ns);
	w->m_count = 0;
	w->m_total = 0;
	w->m_found = 0;
	w->m_internal = 0;
	w->m_any = 0;
	if (bpf_core_field_exists(struct mount___lst, mnt_instance)) {
		struct super_block___lst *sbl = (void *)sb;

		w->m_head = (__u64)&sbl->s_mounts;
		w->m_pos = (__u64)BPF_CORE_READ(sbl, s_mounts.next);
	} else {
		w->m_head = 0;
		w->m_pos = (__u64)BPF_CORE_READ(sb, s_mounts);
	}
	if (sb)
		bpf_loop(FW_SB_MOUNTS_MAX, fw_sb_mount_cb, &c, 0);

	if (w->m_count == 1)
		return fw_resolve(b, fw_vfsmount(w->m_found), dentry);
	if (w->m_count == 0 && w->m_total == 1 && w->m_internal)
		return fw_resolve(b, fw_vfsmount(w->m_internal), dentry);
	/* no unique name: one of its names goes into the event, the decision is the policy's */
	if (w->m_count)
		fw_resolve(b, fw_vfsmount(w->m_found), dentry);
	else if (w->m_any)
		fw_resolve(b, fw_vfsmount(w->m_any), dentry);
	b = fw_bnd(b, FW_NBUF - 1);
	if (!w->m_count && !w->m_any) {
		w->ps[b].off = FW_PATH_MAX;
		w->ps[b].len = 0;
	}
	w->ps[b].res = FW_W_UNREACHABLE;
	return FW_W_UNREACHABLE;
}

#endif
