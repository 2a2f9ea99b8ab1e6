/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "model.h"

/* Connections live in a chained hash table keyed by token, grown when the
 * load passes one entry per bucket: a burst of a thousand connections must
 * not make every event a linear search.  Their due times are in a heap
 * here rather than in the engine, because the model makes and frees
 * connections: model_conn_del() takes one out of the heap whichever path
 * deletes it (CLOSED, adoption, resync), so the heap can never hold a freed
 * connection, and model_conn_get() reserves its slot, so setting a due
 * time never fails.  The heap is data with a lookup, like the hash: the
 * engine passes the time and decides what due means. */
struct model {
	struct model_conn **buckets;
	size_t n_buckets;
	size_t n_conns;
	size_t n_subflows;	/* over every connection */
	struct heap due;
	/* Connections whose subflows' RTTs are read (model_rtt_watch), least
	 * recently read first. */
	struct model_conn *rtt_head, *rtt_tail;
	size_t n_rtt;
	model_subflow_gone_fn gone;	/* the counters' hook */
	void *gone_arg;
};

void model_set_subflow_gone(struct model *m, model_subflow_gone_fn fn,
			    void *arg)
{
	m->gone = fn;
	m->gone_arg = arg;
}

static void model_subflow_gone(struct model_conn *c, struct mptcpd_subflow *s)
{
	if (c->model->gone)
		c->model->gone(c->model->gone_arg, c, s);
}

#define MODEL_MIN_BUCKETS 64

static size_t model_bucket(const struct model *m, uint32_t token)
{
	return (token * 2654435761u) & (m->n_buckets - 1);
}

struct model *model_new(void)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	heap_init(&m->due);
	m->n_buckets = MODEL_MIN_BUCKETS;
	m->buckets = calloc(m->n_buckets, sizeof(*m->buckets));
	if (!m->buckets) {
		free(m);
		return NULL;
	}
	return m;
}

static void model_conn_free(struct model_conn *c)
{
	free(c->pairs);
	free(c->announced);
	free(c->strategy_data);
	free(c->cgroup);
	free(c->subflows);
	free(c->acct);
	free(c->remotes);
	free(c->ids);
	free(c);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	heap_fini(&m->due);	/* first: it marks its nodes out of it */
	for (size_t i = 0; i < m->n_buckets; i++) {
		struct model_conn *c = m->buckets[i], *next;

		for (; c; c = next) {
			next = c->next;
			model_conn_free(c);
		}
	}
	free(m->buckets);
	free(m);
}

size_t model_conn_count(const struct model *m)
{
	return m->n_conns;
}

struct model_conn *model_conn_find(const struct model *m, uint32_t token)
{
	struct model_conn *c = m->buckets[model_bucket(m, token)];

	while (c && c->pub.token != token)
		c = c->next;
	return c;
}

static void model_grow(struct model *m)
{
	size_t old_n = m->n_buckets;
	struct model_conn **old = m->buckets;
	struct model_conn **nb = calloc(old_n * 2, sizeof(*nb));

	if (!nb)
		return;	/* keep the smaller table: slower, still correct */
	m->buckets = nb;
	m->n_buckets = old_n * 2;
	for (size_t i = 0; i < old_n; i++) {
		struct model_conn *c = old[i], *next;

		for (; c; c = next) {
			size_t b = model_bucket(m, c->pub.token);

			next = c->next;
			c->next = nb[b];
			nb[b] = c;
		}
	}
	free(old);
}

struct model_conn *model_conn_get(struct model *m, uint32_t token)
{
	struct model_conn *c = model_conn_find(m, token);
	size_t b;

	if (c)
		return c;
	if (heap_reserve(&m->due, m->n_conns + 1) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->pub.token = token;
	c->model = m;
	if (m->n_conns >= m->n_buckets)
		model_grow(m);
	b = model_bucket(m, token);
	c->next = m->buckets[b];
	m->buckets[b] = c;
	m->n_conns++;
	return c;
}

void model_conn_del(struct model *m, uint32_t token)
{
	struct model_conn **pp = &m->buckets[model_bucket(m, token)];

	for (; *pp; pp = &(*pp)->next) {
		struct model_conn *c = *pp;

		if (c->pub.token == token) {
			*pp = c->next;
			for (size_t i = 0; i < c->pub.n_subflows; i++)
				model_subflow_gone(c, &c->subflows[i]);
			heap_del(&m->due, &c->due);
			model_rtt_watch(m, c, false);
			m->n_subflows -= c->pub.n_subflows;
			model_conn_free(c);
			m->n_conns--;
			return;
		}
	}
}

static void model_rtt_unlink(struct model *m, struct model_conn *c)
{
	if (c->rtt_prev)
		c->rtt_prev->rtt_next = c->rtt_next;
	else
		m->rtt_head = c->rtt_next;
	if (c->rtt_next)
		c->rtt_next->rtt_prev = c->rtt_prev;
	else
		m->rtt_tail = c->rtt_prev;
	c->rtt_prev = c->rtt_next = NULL;
}

static void model_rtt_append(struct model *m, struct model_conn *c)
{
	c->rtt_prev = m->rtt_tail;
	c->rtt_next = NULL;
	if (m->rtt_tail)
		m->rtt_tail->rtt_next = c;
	else
		m->rtt_head = c;
	m->rtt_tail = c;
}

void model_rtt_watch(struct model *m, struct model_conn *c, bool on)
{
	if (on == c->rtt_watched)
		return;
	c->rtt_watched = on;
	if (!on) {
		model_rtt_unlink(m, c);
		m->n_rtt--;
		return;
	}
	/* First in line: a connection that just got its second subflow is
	 * read at the next tick. */
	c->rtt_read_ms = 0;
	c->rtt_prev = NULL;
	c->rtt_next = m->rtt_head;
	if (m->rtt_head)
		m->rtt_head->rtt_prev = c;
	else
		m->rtt_tail = c;
	m->rtt_head = c;
	m->n_rtt++;
}

struct model_conn *model_rtt_first(const struct model *m)
{
	return m->rtt_head;
}

void model_rtt_read(struct model *m, struct model_conn *c, uint64_t now_ms)
{
	if (!c->rtt_watched)
		return;
	c->rtt_read_ms = now_ms;
	model_rtt_unlink(m, c);
	model_rtt_append(m, c);
}

size_t model_rtt_count(const struct model *m)
{
	return m->n_rtt;
}

struct model_conn *model_conn_next(const struct model *m,
				   const struct model_conn *prev)
{
	size_t b = 0;

	if (prev) {
		if (prev->next)
			return prev->next;
		b = model_bucket(m, prev->pub.token) + 1;
	}
	for (; b < m->n_buckets; b++)
		if (m->buckets[b])
			return m->buckets[b];
	return NULL;
}

void model_conn_set_due(struct model *m, struct model_conn *c, uint64_t at_ms)
{
	if (!at_ms)
		heap_del(&m->due, &c->due);
	else
		heap_set(&m->due, &c->due, at_ms);	/* room reserved */
}

struct model_conn *model_conn_due_first(const struct model *m)
{
	struct heap_node *x = heap_min(&m->due);

	return x ? (struct model_conn *)((char *)x -
					 offsetof(struct model_conn, due)) : NULL;
}

size_t model_subflow_count(const struct model *m)
{
	return m->n_subflows;
}

struct model_conn *model_conn_after(const struct model *m, uint32_t token)
{
	struct model_conn *c = model_conn_find(m, token);

	if (c)
		return model_conn_next(m, c);
	for (size_t b = model_bucket(m, token); b < m->n_buckets; b++)
		if (m->buckets[b])
			return m->buckets[b];
	return NULL;
}

/* The connection after token in bucket b's chain; NULL at the chain's
 * end or when token left the chain (then the walk goes on at the next
 * bucket: the rest of this chain waits for the next round). */
static struct model_conn *model_chain_after(const struct model *m, size_t b,
					    uint32_t token)
{
	for (struct model_conn *c = m->buckets[b]; c; c = c->next)
		if (c->pub.token == token)
			return c->next;
	return NULL;
}

struct model_conn *model_conn_cursor_next(const struct model *m,
					  struct model_cursor *cur,
					  size_t *budget)
{
	struct model_conn *c = NULL;
	size_t b = cur->bucket;

	if (!m->n_conns)
		return NULL;
	if (b >= m->n_buckets) {	/* the table changed size: from 0 */
		b = 0;
		cur->valid = false;
	}
	if (cur->valid) {
		c = model_chain_after(m, b, cur->token);
		if (!c)
			b = (b + 1) & (m->n_buckets - 1);
	}
	for (; !c && *budget > 0; (*budget)--) {
		c = m->buckets[b];
		if (!c)
			b = (b + 1) & (m->n_buckets - 1);
	}
	if (!c) {
		/* Out of budget: the next call goes on from here. */
		cur->bucket = b;
		cur->valid = false;
		return NULL;
	}
	cur->bucket = b;
	cur->token = c->pub.token;
	cur->valid = true;
	return c;
}

/* First sizes of the per-connection arrays.  The tables an address change
 * adds to (subflows and their accounting, pairs, local IDs: the new
 * address's subflow comes before the old one's goes) start with room for
 * it: grown at once in every live connection, they left freed blocks
 * scattered among live ones that the heap never gave back (a 330 s soak
 * with an address change every 100 s: median RSS +8.4% from the first two
 * minutes to the last two with 2 slots, +0.2% with 4; ~440 bytes more per
 * connection).  The peer's addresses and our announcements do not move
 * then: they start small. */
#define MODEL_CAP_PATHS		4
#define MODEL_CAP_SMALL		2

/* Grow a plain array to hold one more element, first to `first` slots. */
static int model_reserve(void **v, size_t *cap, size_t n, size_t size,
			 size_t first)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

struct mptcpd_subflow *model_subflow_find(struct model_conn *c,
					  const struct mptcpd_addr *local,
					  const struct mptcpd_addr *remote)
{
	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		struct mptcpd_subflow *s = &c->subflows[i];

		if (mptcpd_addr_same_ip(&s->local, local) &&
		    mptcpd_addr_same_ip(&s->remote, remote) &&
		    s->remote.port == remote->port)
			return s;
	}
	return NULL;
}

struct mptcpd_subflow *model_subflow_add(struct model_conn *c,
					 const struct mptcpd_subflow *s)
{
	if (c->pub.n_subflows >= MODEL_SUBFLOWS_MAX)
		return NULL;
	if (model_reserve((void **)&c->acct, &c->cap_acct,
			  c->pub.n_subflows, sizeof(*c->acct),
			  MODEL_CAP_PATHS) < 0 ||
	    model_reserve((void **)&c->subflows, &c->cap_subflows,
			  c->pub.n_subflows, sizeof(*s), MODEL_CAP_PATHS) < 0)
		return NULL;
	memset(&c->acct[c->pub.n_subflows], 0, sizeof(*c->acct));
	c->subflows[c->pub.n_subflows] = *s;
	c->pub.subflows = c->subflows;
	c->model->n_subflows++;
	return &c->subflows[c->pub.n_subflows++];
}

void model_subflow_del(struct model_conn *c, struct mptcpd_subflow *s)
{
	size_t i = (size_t)(s - c->subflows);

	if (i >= c->pub.n_subflows)
		return;
	model_subflow_gone(c, s);
	memmove(&c->subflows[i], &c->subflows[i + 1],
		(c->pub.n_subflows - i - 1) * sizeof(*s));
	memmove(&c->acct[i], &c->acct[i + 1],
		(c->pub.n_subflows - i - 1) * sizeof(*c->acct));
	c->pub.n_subflows--;
	c->model->n_subflows--;
}

void model_subflow_keep_pending(struct model_conn *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->pub.n_subflows; i++) {
		if (c->subflows[i].state != MPTCPD_SUBFLOW_PENDING) {
			model_subflow_gone(c, &c->subflows[i]);
			continue;
		}
		c->acct[kept] = c->acct[i];
		c->subflows[kept++] = c->subflows[i];
	}
	c->model->n_subflows -= c->pub.n_subflows - kept;
	c->pub.n_subflows = kept;
}

struct mptcpd_remote_addr *model_remote_find(struct model_conn *c, uint8_t id)
{
	for (size_t i = 0; i < c->pub.n_remotes; i++)
		if (c->remotes[i].id == id)
			return &c->remotes[i];
	return NULL;
}

int model_remote_set(struct model_conn *c, uint8_t id,
		     const struct mptcpd_addr *addr)
{
	struct mptcpd_remote_addr *r = model_remote_find(c, id);

	if (!r) {
		if (c->pub.n_remotes >= MODEL_REMOTES_MAX)
			return -ENOSPC;
		if (model_reserve((void **)&c->remotes, &c->cap_remotes,
				  c->pub.n_remotes, sizeof(*r),
				  MODEL_CAP_SMALL) < 0)
			return -ENOMEM;
		r = &c->remotes[c->pub.n_remotes++];
		c->pub.remotes = c->remotes;
	}
	r->id = id;
	r->addr = *addr;
	return 0;
}

void model_remote_del(struct model_conn *c, uint8_t id)
{
	struct mptcpd_remote_addr *r = model_remote_find(c, id);
	size_t i;

	if (!r)
		return;
	i = (size_t)(r - c->remotes);
	memmove(&c->remotes[i], &c->remotes[i + 1],
		(c->pub.n_remotes - i - 1) * sizeof(*r));
	c->pub.n_remotes--;
}

struct model_pair *model_pair_find(struct model_conn *c,
				   const struct mptcpd_addr *local,
				   const struct mptcpd_addr *remote)
{
	for (size_t i = 0; i < c->n_pairs; i++) {
		struct model_pair *p = &c->pairs[i];

		if (mptcpd_addr_same_ip(&p->local, local) &&
		    mptcpd_addr_same_ip(&p->remote, remote) &&
		    p->remote.port == remote->port)
			return p;
	}
	return NULL;
}

struct model_pair *model_pair_get(struct model_conn *c,
				  const struct mptcpd_addr *local,
				  const struct mptcpd_addr *remote)
{
	struct model_pair *p = model_pair_find(c, local, remote);

	if (p)
		return p;
	if (c->n_pairs >= MODEL_PAIRS_MAX)
		return NULL;
	if (model_reserve((void **)&c->pairs, &c->cap_pairs, c->n_pairs,
			  sizeof(*p), MODEL_CAP_PATHS) < 0)
		return NULL;
	p = &c->pairs[c->n_pairs++];
	memset(p, 0, sizeof(*p));
	p->local = *local;
	p->local.port = 0;
	p->remote = *remote;
	return p;
}

void model_pair_del(struct model_conn *c, struct model_pair *p)
{
	size_t i = (size_t)(p - c->pairs);

	if (i < c->n_pairs)
		c->pairs[i] = c->pairs[--c->n_pairs];
}

int model_announced_add(struct model_conn *c, uint8_t id,
			const struct mptcpd_addr *addr)
{
	for (size_t i = 0; i < c->pub.n_announced; i++)
		if (c->announced[i].id == id)
			return 0;
	if (model_reserve((void **)&c->announced, &c->cap_announced,
			  c->pub.n_announced, sizeof(*c->announced),
			  MODEL_CAP_SMALL) < 0)
		return -ENOMEM;
	c->announced[c->pub.n_announced].id = id;
	c->announced[c->pub.n_announced].addr = *addr;
	c->pub.n_announced++;
	c->pub.announced = c->announced;
	return 0;
}

void model_announced_del(struct model_conn *c, uint8_t id)
{
	for (size_t i = 0; i < c->pub.n_announced; i++) {
		if (c->announced[i].id != id)
			continue;
		c->announced[i] = c->announced[--c->pub.n_announced];
		return;
	}
}

static struct model_id *model_id_by_addr(struct model_conn *c,
					 const struct mptcpd_addr *addr)
{
	for (size_t i = 0; i < c->n_ids; i++)
		if (mptcpd_addr_same_ip(&c->ids[i].addr, addr))
			return &c->ids[i];
	return NULL;
}

static struct model_id *model_id_by_id(struct model_conn *c, uint8_t id)
{
	for (size_t i = 0; i < c->n_ids; i++)
		if (c->ids[i].id == id)
			return &c->ids[i];
	return NULL;
}

/* A removed ID is not free while a subflow or an announcement in the
 * model still uses it: its SUB_CLOSED may not have come yet. */
static bool model_id_busy(const struct model_conn *c, uint8_t id)
{
	for (size_t i = 0; i < c->pub.n_subflows; i++)
		if (c->subflows[i].local_id == id)
			return true;
	for (size_t i = 0; i < c->pub.n_announced; i++)
		if (c->announced[i].id == id)
			return true;
	return false;
}

static void model_id_bind(struct model_id *slot, uint8_t id,
			  const struct mptcpd_addr *addr)
{
	slot->id = id;
	slot->addr = *addr;
	slot->addr.port = 0;
	slot->removed = false;
}

static int model_id_push(struct model_conn *c, uint8_t id,
			 const struct mptcpd_addr *addr)
{
	if (model_reserve((void **)&c->ids, &c->cap_ids, c->n_ids,
			  sizeof(*c->ids), MODEL_CAP_PATHS) < 0)
		return -ENOMEM;
	model_id_bind(&c->ids[c->n_ids++], id, addr);
	return 0;
}

int model_local_id(struct model_conn *c, const struct mptcpd_addr *addr)
{
	struct model_id *slot;
	int err;

	if (mptcpd_addr_same_ip(addr, &c->pub.local))
		return 0;
	slot = model_id_by_addr(c, addr);
	if (slot) {
		slot->removed = false;
		return slot->id;
	}
	for (unsigned int id = 1; id <= 255; id++) {
		slot = model_id_by_id(c, (uint8_t)id);
		if (slot && (!slot->removed || model_id_busy(c, (uint8_t)id)))
			continue;
		if (slot) {
			model_id_bind(slot, (uint8_t)id, addr);
			return (int)id;
		}
		err = model_id_push(c, (uint8_t)id, addr);
		return err < 0 ? err : (int)id;
	}
	return -ENOSPC;
}

/* The kernel's word wins over what it has forgotten: a removed entry
 * gives way to the binding the kernel reports now. */
int model_local_id_reserve(struct model_conn *c, uint8_t id,
			   const struct mptcpd_addr *addr)
{
	struct model_id *known = model_id_by_addr(c, addr);
	struct model_id *slot = model_id_by_id(c, id);

	if (id == 0)
		return 0;	/* ID 0 is the initial address by definition */
	if (known && known->id == id) {
		known->removed = false;
		return 0;
	}
	if ((known && !known->removed) || (slot && !slot->removed))
		return -EEXIST;
	if (known)
		*known = c->ids[--c->n_ids];	/* the address moved to id */
	slot = model_id_by_id(c, id);
	if (slot) {
		model_id_bind(slot, id, addr);
		return 0;
	}
	return model_id_push(c, id, addr);
}

void model_local_id_release(struct model_conn *c, uint8_t id)
{
	struct model_id *slot = model_id_by_id(c, id);

	if (slot)
		slot->removed = true;
}
