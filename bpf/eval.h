/* SPDX-License-Identifier: GPL-2.0 */
/* The rule evaluator: docs/table.md "The decision", usable from any program type.
 *
 * API (details at each function):
 *   fw_compute_subject(subj, exe, exe_len, cmd, cmd_len)   once per exec
 *   fw_decide(req, out)                                     per file operation
 * Maps: fw_table, fw_ctl, fw_stats (table.h), fw_eval_scratch (here, per CPU).
 *
 * Verifier budget and kernel range (6.1 .. 6.18) shape the code:
 * - every loop whose length comes from the table or a string is a bpf_loop (5.17+),
 *   never an open-coded iterator (6.4+), so its body is verified once per call site,
 *   not per turn;
 * - everything read from the table is bounds-checked at run time, so the verifier never
 *   has to reason about table contents, and a torn or corrupt table gives an error,
 *   never a wild read;
 * - strings are read as buf[pos & (FW_PATH_MAX - 1)], which the verifier accepts for any
 *   buffer of FW_PATH_MAX bytes; hence every string buffer, cmdline included, must be
 *   FW_PATH_MAX bytes long;
 * - call depth below the caller is 3 frames (attempt, group, walk callbacks), about
 *   290 bytes of the 512-byte combined stack as 6.1 counts it (frames rounded up to 32):
 *   a calling program has about 200 bytes of stack for itself;
 * - since 6.7 a callback is re-verified until the states it leaves repeat, so callbacks
 *   write no constant flags into their caller's stack (see fw_walk_cb).
 *
 * Include after vmlinux.h, bpf_helpers.h and filewall.h. */
#ifndef FW_EVAL_H
#define FW_EVAL_H

#include "table.h"

/* Bytes per bpf_loop callback: amortizes the per-iteration call (a real indirect call
 * where the kernel does not inline bpf_loop) over several bytes. */
#define FW_UNROLL 8

#define FW_GROUP_WORDS (sizeof(struct fw_group) / sizeof(__u32))

/* The rules that a process's exe and cmdline admit, for one table. Computed once per
 * exec (fw_compute_subject) into per-task storage; valid only while that table is the
 * published one: fw_decide answers FW_ERR_STALE otherwise. */
struct fw_subject {
	__u32 table;       /* fw_table_id of the table it came from; 0: never computed */
	__u32 generation;  /* that table's header generation */
	__u32 nwords;
	__u32 error;       /* of the last fw_compute_subject, 0 if it succeeded */
	__u32 w[FW_MAX_WORDS];
};

struct fw_decision {
	__s32 rule;        /* deciding rule, -1: the default action */
	__u32 action;      /* enum fw_action; FW_ACT_DENY when error != 0 */
	__u32 generation;  /* table generation the whole decision used */
	__u32 error;       /* enum fw_err; the caller applies its unresolved policy */
};

/* One file operation. A struct because BPF calls take at most 5 arguments. Each string
 * is buf[off .. off + len) of a buffer of FW_PATH_MAX bytes (off lets a d_path that
 * builds backwards hand over its buffer without a copy); off + len <= FW_PATH_MAX. */
struct fw_req {
	const struct fw_subject *subj;
	const char *path;
	const char *path2;     /* a valid buffer whenever path2_len may be non-zero */
	__u32 uid;
	__u32 op;              /* enum fw_op */
	__u32 path_off;
	__u32 path_len;
	__u32 path2_off;
	__u32 path2_len;       /* 0: no second path */
};

struct fw_eval_scratch {
	/* the cmdline half of a subject while the exe half accumulates in the subject */
	__u32 acc[FW_MAX_WORDS];
	/* where decision attempts put their outcome: map memory, which the verifier does
	 * not track, so that the attempt loop's exits all look alike to it and its
	 * checking converges (a result on the stack made it 4 times more expensive) */
	struct fw_decision d;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct fw_eval_scratch);
	__uint(max_entries, 1);
} fw_eval_scratch SEC(".maps");

/* Index of the lowest set bit of m != 0. BPF has no ctz; popcount of the bits below
 * the lowest one is branch-free, so the verifier sees a single path. */
static __always_inline __u32 fw_ctz(__u32 m)
{
	__u32 x = (m & -m) - 1;

	x = x - ((x >> 1) & 0x55555555);
	x = (x & 0x33333333) + ((x >> 2) & 0x33333333);
	x = (x + (x >> 4)) & 0x0f0f0f0f;
	return (x * 0x01010101) >> 24;
}

/* The header of the slot, checked once per attempt so that the per-byte and per-word
 * code below needs no checks beyond the ones the verifier insists on. Read in place, not
 * copied: the stack is the scarce resource (512 bytes over all frames), and a field
 * read twice can only differ if the writer lapped us, which fw_validate catches. */
static __always_inline const struct fw_table_hdr *fw_hdr(const struct fw_slot *s, int *err)
{
	__u32 key = s->base, f;
	struct fw_block *b = bpf_map_lookup_elem(&fw_table, &key);
	const struct fw_table_hdr *h;

	*err = FW_ERR_CORRUPT;
	if (!b)
		return NULL;
	h = (const struct fw_table_hdr *)b->w;
	if (h->magic != FW_TABLE_MAGIC || h->nrules > FW_MAX_RULES ||
	    h->nwords != (h->nrules + 31) / 32 || h->default_action > FW_ACT_DENY ||
	    h->uid_nbounds == 0 ||
	    !fw_span_ok(s, h->actions_off, h->nrules) ||
	    !fw_span_ok(s, h->uid_bounds_off, h->uid_nbounds) ||
	    !fw_span_ok(s, h->uo_off, (__u64)h->uid_nbounds * FW_NOPS * h->nwords))
		return NULL;
#pragma unroll
	for (f = 0; f < FW_NFIELDS; f++)
		if (h->ngroups[f] > FW_MAX_GROUPS ||
		    !fw_span_ok(s, h->groups_off[f], (__u64)h->ngroups[f] * FW_GROUP_WORDS))
			return NULL;
	*err = 0;
	return h;
}

/* ---- the DFA walk ---- */

/* A walk of one group's DFA over one string, and the group fields it needs (checked
 * once here so that the per-byte code needs no checks beyond the ones the verifier
 * insists on). Kept small: it lives on the stack of a frame deep in the call chain. */
struct fw_walk {
	const char *buf;
	/* Block pointers kept across bytes, so that most bytes need no map lookup: the
	 * 256 classes span at most two blocks, and consecutive transitions mostly stay in
	 * one block (a transition table of up to 1024 words spans at most two). */
	const struct fw_block *cls_lo;  /* block holding classes_off */
	const struct fw_block *cls_hi;  /* the next one, for classes that straddle */
	const struct fw_block *tb;      /* transition block tblk, in and out */
	__u32 start;           /* buf offset of the first byte of bpf_loop index 0 */
	__u32 end;
	__u32 pos;             /* out: where the walk stopped */
	__u32 st;              /* in: 1, out: the state reached; nstates: corrupt */
	__u32 base;            /* fw_table key of the slot's first block */
	__u32 tblk;            /* block of tb, relative to base */
	__u32 cidx;            /* classes_off % FW_BLOCK_WORDS */
	__u32 trans_end;       /* trans_off + nstates * nclasses */
	__u32 trans_off;
	__u32 nclasses;
	__u32 nstates;
	__u32 accept_off;
};

#define FW_GROUP_FIELD(f) (offsetof(struct fw_group, f) / sizeof(__u32))

/* Group descriptor at word off (inside the span fw_hdr checked) into w. */
static __always_inline int fw_load_group(const struct fw_slot *s, __u32 off, struct fw_walk *w)
{
	const struct fw_block *b;
	__u32 classes_off, key;

	if (fw_word_in(s->base, off + FW_GROUP_FIELD(classes_off), &classes_off) ||
	    fw_word_in(s->base, off + FW_GROUP_FIELD(nclasses), &w->nclasses) ||
	    fw_word_in(s->base, off + FW_GROUP_FIELD(trans_off), &w->trans_off) ||
	    fw_word_in(s->base, off + FW_GROUP_FIELD(nstates), &w->nstates) ||
	    fw_word_in(s->base, off + FW_GROUP_FIELD(accept_off), &w->accept_off))
		return FW_ERR_CORRUPT;
	if (w->nclasses == 0 || w->nclasses > 256 || w->nstates < 2 ||
	    !fw_span_ok(s, classes_off, 256) ||
	    !fw_span_ok(s, w->trans_off, (__u64)w->nstates * w->nclasses) ||
	    !fw_span_ok(s, w->accept_off, w->nstates))
		return FW_ERR_CORRUPT;

	key = s->base + classes_off / FW_BLOCK_WORDS;
	b = bpf_map_lookup_elem(&fw_table, &key);
	if (!b)
		return FW_ERR_CORRUPT;
	w->cls_lo = b;
	w->cls_hi = b;
	w->cidx = classes_off % FW_BLOCK_WORDS;
	if (w->cidx > FW_BLOCK_WORDS - 256) {
		key++;
		b = bpf_map_lookup_elem(&fw_table, &key);
		if (!b)
			return FW_ERR_CORRUPT;
		w->cls_hi = b;
	}
	w->tblk = w->trans_off / FW_BLOCK_WORDS;
	key = s->base + w->tblk;
	b = bpf_map_lookup_elem(&fw_table, &key);
	if (!b)
		return FW_ERR_CORRUPT;
	w->tb = b;
	w->base = s->base;
	w->trans_end = w->trans_off + w->nstates * w->nclasses;
	return 0;
}

/* One byte of the walk; a macro because clang cannot unroll a loop with these exits.
 * t < trans_end keeps every transition read inside the transition table whatever the
 * table says; a state >= nstates then either trips that check on the next byte or is
 * caught by fw_walk. 64-bit arithmetic: no zero-extension instructions. */
#define FW_STEP()							\
	do {								\
		if (pos >= w->end)					\
			goto out;					\
		o = (__u64)w->cidx + (__u8)w->buf[pos & (FW_PATH_MAX - 1)]; \
		pos++;							\
		cb = w->cls_lo;						\
		if (o >= FW_BLOCK_WORDS)				\
			cb = w->cls_hi;					\
		t = w->trans_off + st * w->nclasses +			\
		    cb->w[o & (FW_BLOCK_WORDS - 1)];			\
		if (t >= w->trans_end)					\
			goto corrupt;					\
		if (t / FW_BLOCK_WORDS != tblk) {			\
			tblk = t / FW_BLOCK_WORDS;			\
			key = w->base + tblk;				\
			tb = bpf_map_lookup_elem(&fw_table, &key);	\
			if (!tb)					\
				goto corrupt;				\
		}							\
		st = tb->w[t & (FW_BLOCK_WORDS - 1)];			\
		if (st == 0)						\
			goto out;					\
	} while (0)

/* Verifier economy: since 6.7 the verifier re-verifies a bpf_loop callback until the
 * states it leaves behind repeat. So the position derives from the loop index (a value
 * carried in ctx would be tracked exactly, being used as a memory index, and every turn
 * would be new), and the exits write no constant flags: a few passes then suffice. */
static int fw_walk_cb(__u32 i, void *ctx)
{
	struct fw_walk *w = ctx;
	const struct fw_block *tb = w->tb, *cb;
	__u64 pos = w->start + (__u64)i * FW_UNROLL, st = w->st, tblk = w->tblk, o, t;
	__u32 key;

	FW_STEP(); FW_STEP(); FW_STEP(); FW_STEP();	/* FW_UNROLL steps */
	FW_STEP(); FW_STEP(); FW_STEP(); FW_STEP();
	w->pos = pos;
	w->st = st;
	w->tb = tb;
	w->tblk = tblk;
	return pos >= w->end;
out:
	w->pos = pos;
	w->st = st;
	w->tb = tb;
	w->tblk = tblk;
	return 1;
corrupt:
	w->pos = pos;
	w->st = w->nstates;
	return 1;
}

/* Walks buf[off .. off + len) through the DFA loaded into w; w->st is then the state
 * reached, 0 once no rule of the group can match. */
static __always_inline int fw_walk(struct fw_walk *w, const char *buf, __u32 off, __u32 len)
{
	w->buf = buf;
	w->start = off;
	w->end = off + len;
	w->pos = off;
	w->st = 1;
	if (len)
		bpf_loop((len + FW_UNROLL - 1) / FW_UNROLL, fw_walk_cb, w, 0);
	/* st >= nstates: corrupt; neither at the end nor dead: bpf_loop refused to run */
	if (w->st >= w->nstates || (w->st != 0 && w->pos < w->end))
		return FW_ERR_CORRUPT;
	return 0;
}

/* Where the match set of state st (< nstates) lies: *n pairs from word *pairs. */
static __always_inline int fw_matchset(const struct fw_slot *s, __u32 accept_off, __u32 st,
				       __u32 nwords, __u32 *pairs, __u32 *n)
{
	__u32 ms, cnt;

	*n = 0;
	if (fw_word_in(s->base, accept_off + st, &ms))
		return FW_ERR_CORRUPT;
	if (!ms)
		return 0;
	if (fw_word(s, ms, &cnt) || cnt > nwords || cnt > FW_MAX_WORDS ||
	    !fw_span_ok(s, (__u64)ms + 1, 2 * (__u64)cnt))
		return FW_ERR_CORRUPT;
	*pairs = ms + 1;
	*n = cnt;
	return 0;
}

/* ---- decide: path match set AND subject AND (uid, op) set, lowest word first ---- */

struct fw_pairs_and {
	const __u32 *subj;     /* fw_subject.w */
	__u32 base;
	__u32 pairs;
	__u32 nwords;
	__u32 ubase;           /* word offset of uo[interval][op] */
	__u32 rule;            /* out: 32 * word + bit; ~0: none; ~1: corrupt */
};

static int fw_pairs_and_cb(__u32 i, void *ctx)
{
	struct fw_pairs_and *p = ctx;
	__u32 o = p->pairs + 2 * i, w, mask, u, m;

	if (fw_word_in(p->base, o, &w) || fw_word_in(p->base, o + 1, &mask) ||
	    w >= p->nwords || fw_word_in(p->base, p->ubase + w, &u)) {
		p->rule = ~1u;
		return 1;
	}
	m = mask & u & p->subj[w & (FW_MAX_WORDS - 1)];
	if (!m)
		return 0;
	p->rule = 32 * w + fw_ctz(m);
	return 1;
}

/* One decision attempt's state, shared by the uid search and decide1 of each path. */
struct fw_path_ctx {
	const char *buf;
	const __u32 *subj;
	struct fw_slot s;
	__u32 err;
	union {
		struct {               /* the uid interval search, first */
			__u32 ub_off;
			__u32 uid;
			__u32 lo;
			__u32 hi;
		};
		struct {               /* then decide1 of a path */
			__u32 off;
			__u32 len;
			__u32 groups_off;
			__u32 hdr_nwords;
			__u32 ubase;
			__s32 rule;    /* -1: no rule */
		};
	};
};

/* decide1 over one path: the path groups in order, stopping at the first group that
 * yields a rule (groups cover ascending rule ranges). */
static int fw_path_group_cb(__u32 g, void *ctx)
{
	struct fw_path_ctx *c = ctx;
	/* the walk is over before the pairs are read: one stack area for both */
	union {
		struct fw_walk w;
		struct fw_pairs_and p;
	} u;
	__u32 pairs, n;
	int err;

	err = fw_load_group(&c->s, c->groups_off + g * FW_GROUP_WORDS, &u.w);
	if (!err)
		err = fw_walk(&u.w, c->buf, c->off, c->len);
	if (!err)
		err = fw_matchset(&c->s, u.w.accept_off, u.w.st, c->hdr_nwords, &pairs, &n);
	if (err) {
		c->err = err;
		return 1;
	}
	if (!n)
		return 0;
	u.p.subj = c->subj;
	u.p.base = c->s.base;
	u.p.pairs = pairs;
	u.p.nwords = c->hdr_nwords;
	u.p.ubase = c->ubase;
	u.p.rule = ~0u;
	bpf_loop(n, fw_pairs_and_cb, &u.p, 0);
	if (u.p.rule == ~0u)
		return 0;
	if (u.p.rule == ~1u)
		c->err = FW_ERR_CORRUPT;
	else
		c->rule = u.p.rule;
	return 1;
}

/* Bounds a group count re-read from the header in place: only a writer that lapped us
 * can change it since fw_hdr checked it, and fw_validate will discard the attempt, but
 * meanwhile a garbage count must not make a long loop. */
static __always_inline __u32 fw_ngroups(const struct fw_table_hdr *h, __u32 f)
{
	__u32 n = h->ngroups[f];

	return n > FW_MAX_GROUPS ? 0 : n;
}

static __always_inline int fw_decide_path(struct fw_path_ctx *c, __u32 ngroups)
{
	c->rule = -1;
	c->err = 0;
	bpf_loop(ngroups, fw_path_group_cb, c, 0);
	return c->err;
}

/* Action of rule r (-1: the default). */
static __always_inline int fw_action(const struct fw_slot *s, const struct fw_table_hdr *h,
				     __s32 r, __u32 *a)
{
	if (r < 0) {
		*a = h->default_action;
		return *a > FW_ACT_DENY ? FW_ERR_CORRUPT : 0;
	}
	if ((__u32)r >= h->nrules || fw_word(s, h->actions_off + r, a) || *a > FW_ACT_DENY)
		return FW_ERR_CORRUPT;
	return 0;
}

/* Last uid interval whose lower bound is <= uid: binary search in a bpf_loop of 32
 * turns (enough for any u32 count; bounds[0] == 0 makes interval 0 the floor). A plain
 * loop would be verified once per turn and per caller state. */
static int fw_uid_cb(__u32 i, void *ctx)
{
	struct fw_path_ctx *c = ctx;
	__u32 lo = c->lo, hi = c->hi, mid, b;

	if (hi - lo <= 1)
		return 1;
	mid = lo + (hi - lo) / 2;
	if (fw_word(&c->s, c->ub_off + mid, &b)) {
		c->err = FW_ERR_CORRUPT;
		return 1;
	}
	if (b <= c->uid)
		c->lo = mid;
	else
		c->hi = mid;
	return 0;
}

static __always_inline int fw_uid_interval(struct fw_path_ctx *c, const struct fw_table_hdr *h,
					   __u32 uid, __u32 *out)
{
	c->err = 0;
	c->ub_off = h->uid_bounds_off;
	c->uid = uid;
	c->lo = 0;
	c->hi = h->uid_nbounds;
	bpf_loop(32, fw_uid_cb, c, 0);
	if (c->err)
		return c->err;
	if (c->hi - c->lo > 1)
		return FW_ERR_CORRUPT;
	*out = c->lo;
	return 0;
}

struct fw_try {
	const struct fw_req *req;
	struct fw_decision *out;       /* fw_eval_scratch.d */
};

static __always_inline void fw_fail(struct fw_decision *out, __u32 err)
{
	out->rule = -1;
	out->action = FW_ACT_DENY;
	out->error = err;
}

/* One attempt under the seqlock; returns 1 when the outcome is final. */
static int fw_decide_try_cb(__u32 i, void *ctx)
{
	struct fw_try *t = ctx;
	const struct fw_req *req = t->req;
	const struct fw_subject *subj = req->subj;
	const struct fw_table_hdr *h;
	struct fw_path_ctx c;
	__u32 iv, a1 = 0, a2 = 0, gen = 0;
	__s32 r1 = -1;
	int err;

	err = fw_begin(&c.s);
	if (!err && subj->table != fw_table_id(&c.s))
		err = FW_ERR_STALE;
	if (err) {
		/* decided without reading a slot: final */
		t->out->generation = 0;
		fw_fail(t->out, err);
		return 1;
	}

	h = fw_hdr(&c.s, &err);
	if (h)
		gen = h->generation;
	if (h && subj->nwords != h->nwords)
		err = FW_ERR_STALE;
	if (h && !err)
		err = fw_uid_interval(&c, h, req->uid, &iv);
	if (h && !err) {
		c.buf = req->path;
		c.subj = subj->w;
		c.off = req->path_off;
		c.len = req->path_len;
		c.groups_off = h->groups_off[FW_F_PATH];
		c.hdr_nwords = h->nwords;
		c.ubase = h->uo_off + (iv * FW_NOPS + req->op) * h->nwords;
		err = fw_decide_path(&c, fw_ngroups(h, FW_F_PATH));
		if (!err)
			err = fw_action(&c.s, h, c.rule, &a1);
		r1 = c.rule;
		if (!err && req->path2_len) {
			c.buf = req->path2;
			c.off = req->path2_off;
			c.len = req->path2_len;
			err = fw_decide_path(&c, fw_ngroups(h, FW_F_PATH));
			if (!err)
				err = fw_action(&c.s, h, c.rule, &a2);
			/* the more severe decides, the first path on a tie */
			if (!err && a2 > a1) {
				r1 = c.rule;
				a1 = a2;
			}
		}
	}

	/* Any outcome, errors included, counts only if the slot was stable meanwhile.
	 * Nothing may be read from the slot after this: it may be refilled by now. */
	if (!fw_validate(&c.s)) {
		fw_count_retry();
		return 0;
	}
	t->out->generation = gen;
	if (err) {
		fw_fail(t->out, err);
	} else {
		t->out->rule = r1;
		t->out->action = a1;
		t->out->error = 0;
	}
	return 1;
}

/* Decides req into *out and returns out->error.
 * Needs: fw_table and fw_ctl published by the daemon; req->subj computed by
 * fw_compute_subject from the table now published (else FW_ERR_STALE: recompute and
 * call again); path buffers of FW_PATH_MAX bytes; out anywhere. Uses the per-CPU
 * fw_eval_scratch.
 * Inlined: a frame of its own would cost 32 bytes of the 512-byte stack that the call
 * chain below it needs (caller, attempt, group, walk: 4 frames). */
static __always_inline int fw_decide(const struct fw_req *req, struct fw_decision *out)
{
	__u32 zero = 0;
	struct fw_eval_scratch *sc;
	struct fw_try t = { .req = req };

	out->generation = 0;
	if (req->op >= FW_NOPS) {
		fw_fail(out, FW_ERR_INVAL);
	} else if (req->path_off > FW_PATH_MAX || req->path_len > FW_PATH_MAX - req->path_off ||
		   req->path2_off > FW_PATH_MAX || req->path2_len > FW_PATH_MAX - req->path2_off) {
		fw_fail(out, FW_ERR_TOO_LONG);
	} else if (!(sc = bpf_map_lookup_elem(&fw_eval_scratch, &zero))) {
		fw_fail(out, FW_ERR_CORRUPT);
	} else {
		t.out = &sc->d;
		/* stays unless an attempt completes */
		sc->d.generation = 0;
		fw_fail(&sc->d, FW_ERR_RACE);
		bpf_loop(FW_RETRIES, fw_decide_try_cb, &t, 0);
		*out = sc->d;
	}
	fw_count_error(out->error);
	return out->error;
}

/* ---- subject: (union of exe groups' sets) AND (union of cmdline groups' sets) ---- */

struct fw_pairs_or {
	__u32 *acc;
	__u32 base;
	__u32 pairs;
	__u32 nwords;
	__u32 err;
};

static int fw_pairs_or_cb(__u32 i, void *ctx)
{
	struct fw_pairs_or *p = ctx;
	__u32 o = p->pairs + 2 * i, w, mask;

	if (fw_word_in(p->base, o, &w) || fw_word_in(p->base, o + 1, &mask) || w >= p->nwords) {
		p->err = FW_ERR_CORRUPT;
		return 1;
	}
	p->acc[w & (FW_MAX_WORDS - 1)] |= mask;
	return 0;
}

struct fw_field_ctx {
	const char *buf;
	__u32 *acc;
	struct fw_slot s;
	__u32 len;
	__u32 groups_off;
	__u32 hdr_nwords;
	__u32 err;
};

/* Every group of the field, not just the first that matches: the union is needed. */
static int fw_field_group_cb(__u32 g, void *ctx)
{
	struct fw_field_ctx *c = ctx;
	union {
		struct fw_walk w;
		struct fw_pairs_or p;
	} u;
	__u32 pairs, n;
	int err;

	err = fw_load_group(&c->s, c->groups_off + g * FW_GROUP_WORDS, &u.w);
	if (!err)
		err = fw_walk(&u.w, c->buf, 0, c->len);
	if (!err)
		err = fw_matchset(&c->s, u.w.accept_off, u.w.st, c->hdr_nwords, &pairs, &n);
	if (!err && n) {
		u.p.acc = c->acc;
		u.p.base = c->s.base;
		u.p.pairs = pairs;
		u.p.nwords = c->hdr_nwords;
		u.p.err = 0;
		bpf_loop(n, fw_pairs_or_cb, &u.p, 0);
		err = u.p.err;
	}
	if (err) {
		c->err = err;
		return 1;
	}
	return 0;
}

struct fw_two {
	__u32 *a;
	__u32 *b;
};

static int fw_zero_cb(__u32 i, void *ctx)
{
	struct fw_two *t = ctx;

	t->a[i & (FW_MAX_WORDS - 1)] = 0;
	t->b[i & (FW_MAX_WORDS - 1)] = 0;
	return 0;
}

static int fw_and_cb(__u32 i, void *ctx)
{
	struct fw_two *t = ctx;

	t->a[i & (FW_MAX_WORDS - 1)] &= t->b[i & (FW_MAX_WORDS - 1)];
	return 0;
}

struct fw_subj_try {
	struct fw_subject *subj;
	const char *exe;
	const char *cmd;
	__u32 exe_len;
	__u32 cmd_len;
};

static int fw_subject_try_cb(__u32 i, void *ctx)
{
	struct fw_subj_try *t = ctx;
	struct fw_subject *subj = t->subj;
	const struct fw_table_hdr *h;
	struct fw_eval_scratch *sc;
	struct fw_field_ctx c;
	struct fw_two two;
	__u32 zero = 0, nwords = 0, gen = 0;
	int err;

	err = fw_begin(&c.s);
	if (err) {
		subj->error = err;
		return 1;
	}
	sc = bpf_map_lookup_elem(&fw_eval_scratch, &zero);
	if (!sc) {
		subj->error = FW_ERR_CORRUPT;
		return 1;
	}
	two.a = subj->w;
	two.b = sc->acc;
	h = fw_hdr(&c.s, &err);
	if (h) {
		/* re-read in place: bound it again (see fw_ngroups) */
		nwords = h->nwords & (2 * FW_MAX_WORDS - 1);
		gen = h->generation;
		bpf_loop(nwords, fw_zero_cb, &two, 0);
		c.hdr_nwords = nwords;
		c.buf = t->exe;
		c.len = t->exe_len;
		c.acc = subj->w;
		c.groups_off = h->groups_off[FW_F_EXE];
		c.err = 0;
		bpf_loop(fw_ngroups(h, FW_F_EXE), fw_field_group_cb, &c, 0);
		err = c.err;
	}
	if (h && !err) {
		c.buf = t->cmd;
		c.len = t->cmd_len;
		c.acc = sc->acc;
		c.groups_off = h->groups_off[FW_F_CMD];
		bpf_loop(fw_ngroups(h, FW_F_CMD), fw_field_group_cb, &c, 0);
		err = c.err;
	}
	if (h && !err)
		bpf_loop(nwords, fw_and_cb, &two, 0);
	/* nothing may be read from the slot after this: it may be refilled by now */
	if (!fw_validate(&c.s)) {
		fw_count_retry();
		return 0;
	}
	if (!err) {
		subj->table = fw_table_id(&c.s);
		subj->generation = gen;
		subj->nwords = nwords;
	}
	subj->error = err;
	return 1;
}

/* Computes the subject set of a process into *subj (per-task storage or scratch) and
 * returns subj->error. exe[0 .. exe_len) and cmd[0 .. cmd_len) lie in buffers of
 * FW_PATH_MAX bytes each; exe_len <= FW_PATH_MAX, cmd_len <= FW_CMD_MAX. Uses the
 * per-CPU fw_eval_scratch. On error subj->table is 0, so fw_decide answers
 * FW_ERR_STALE until a recompute succeeds. */
static __always_inline int fw_compute_subject(struct fw_subject *subj, const char *exe,
					      __u32 exe_len, const char *cmd, __u32 cmd_len)
{
	struct fw_subj_try t = {
		.subj = subj, .exe = exe, .cmd = cmd, .exe_len = exe_len, .cmd_len = cmd_len,
	};

	subj->table = 0;
	subj->generation = 0;
	subj->nwords = 0;
	if (exe_len > FW_PATH_MAX || cmd_len > FW_CMD_MAX) {
		subj->error = FW_ERR_TOO_LONG;
	} else {
		/* stays unless an attempt completes */
		subj->error = FW_ERR_RACE;
		bpf_loop(FW_RETRIES, fw_subject_try_cb, &t, 0);
	}
	fw_count_error(subj->error);
	return subj->error;
}

#endif
