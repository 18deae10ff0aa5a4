/* SPDX-License-Identifier: GPL-2.0 */
/* The reader side of the compiled rule table (docs/table.md): the maps, word access
 * and the seqlock. Include after vmlinux.h, bpf_helpers.h and filewall.h. */
#ifndef FW_TABLE_H
#define FW_TABLE_H

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the table is written in host order by a little-endian writer"
#endif

/* Two slots of fw_ctl.slot_blocks blocks. max_entries is a placeholder: userspace sets
 * it to 2 * slot_blocks with bpf_map__set_max_entries before load. A plain array (not
 * map-in-map) so that the verifier inlines every lookup into a bounds check and an add. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_block);
	__uint(max_entries, 2);
} fw_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_ctl);
	__uint(max_entries, 1);
} fw_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_stats);
	__uint(max_entries, 1);
} fw_stats SEC(".maps");

/* Word offsets are u32, so a slot can hold at most 2^32 words; 2^21 blocks (8 GiB) is
 * far beyond any table and keeps slot_blocks * FW_BLOCK_WORDS from wrapping. */
#define FW_MAX_SLOT_BLOCKS (1u << 21)

#define FW_READ_ONCE(x) (*(volatile typeof(x) *)&(x))
/* Keeps the compiler from moving table loads across the seq loads; the CPU side is
 * covered by the writer's syscalls and x86 load ordering (docs/table.md). */
#define FW_BARRIER() asm volatile("" ::: "memory")

/* The slot one decision reads from, fixed at fw_begin. Small and copied by value into
 * bpf_loop contexts so that callbacks never re-read fw_ctl. */
struct fw_slot {
	__u32 base;    /* first block of the slot in fw_table */
	__u32 nwords;  /* words in a slot: offsets at or beyond are corrupt */
	__u32 s0;      /* seq when the decision began */
};

static __always_inline void fw_count_retry(void)
{
	__u32 zero = 0;
	struct fw_stats *st = bpf_map_lookup_elem(&fw_stats, &zero);

	if (st)
		st->retries++;
}

static __always_inline void fw_count_error(__u32 err)
{
	__u32 zero = 0;
	struct fw_stats *st;

	if (!err)
		return;
	st = bpf_map_lookup_elem(&fw_stats, &zero);
	if (st)
		st->errors[err & (FW_NERR - 1)]++;
}

/* Starts a read: 0, FW_ERR_NO_TABLE, or FW_ERR_CORRUPT for an impossible slot size. */
static __always_inline int fw_begin(struct fw_slot *s)
{
	__u32 zero = 0, seq, sb;
	struct fw_ctl *c = bpf_map_lookup_elem(&fw_ctl, &zero);

	if (!c)
		return FW_ERR_NO_TABLE;
	seq = FW_READ_ONCE(c->seq);
	if (seq < 2)
		return FW_ERR_NO_TABLE;
	sb = FW_READ_ONCE(c->slot_blocks);
	FW_BARRIER();
	if (sb == 0 || sb > FW_MAX_SLOT_BLOCKS)
		return FW_ERR_CORRUPT;
	s->s0 = seq;
	s->base = ((seq >> 1) & 1) * sb;
	s->nwords = sb * FW_BLOCK_WORDS;
	return 0;
}

/* True if nothing read since fw_begin can have been overwritten: the writer has not
 * started a second fill since s0. Unsigned difference so a wrapped seq still works. */
static __always_inline bool fw_validate(const struct fw_slot *s)
{
	__u32 zero = 0, s1;
	struct fw_ctl *c;

	FW_BARRIER();
	c = bpf_map_lookup_elem(&fw_ctl, &zero);
	if (!c)
		return false;
	s1 = FW_READ_ONCE(c->seq);
	return s1 - (s->s0 & ~1u) <= 2;
}

/* Identifies the published table a read used: the seq value that published it. */
static __always_inline __u32 fw_table_id(const struct fw_slot *s)
{
	return s->s0 & ~1u;
}

/* Word o of the slot, for offsets already proven < s->nwords (the hot walk checks its
 * bounds once per group, not per byte). The null check stays: it is what the verifier
 * needs, and it catches a fw_table smaller than fw_ctl claims. */
static __always_inline int fw_word_in(__u32 base, __u32 o, __u32 *v)
{
	__u32 key = base + o / FW_BLOCK_WORDS;
	struct fw_block *b = bpf_map_lookup_elem(&fw_table, &key);

	if (!b)
		return FW_ERR_CORRUPT;
	*v = b->w[o & (FW_BLOCK_WORDS - 1)];
	return 0;
}

/* Word o of the slot, or FW_ERR_CORRUPT if o lies outside it. */
static __always_inline int fw_word(const struct fw_slot *s, __u32 o, __u32 *v)
{
	if (o >= s->nwords)
		return FW_ERR_CORRUPT;
	return fw_word_in(s->base, o, v);
}

/* True if words [off, off + n) all lie in the slot; 64-bit so that no corrupt
 * offset or count can wrap around. */
static __always_inline bool fw_span_ok(const struct fw_slot *s, __u64 off, __u64 n)
{
	return off + n <= s->nwords;
}

#endif
