/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A binary min-heap of nodes embedded in their owners (an intrusive heap):
 * each node knows its place, so moving or removing one is O(log n) with no
 * search, and the owner finds itself back from its node (offsetof).  The
 * model keeps its connections' due times in one, so that a timer tick
 * visits only the connections that are due.  Plain data, no I/O.
 */
#ifndef MPTCPD_HEAP_H
#define MPTCPD_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zeroed (calloc) means "in no heap". */
struct heap_node {
	uint64_t key;
	size_t pos;		/* 1 + index in the heap's array; 0 = none */
};

struct heap {
	struct heap_node **v;
	size_t n, cap;
};

void heap_init(struct heap *h);
void heap_fini(struct heap *h);
/* Room for n nodes, so that heap_set() of up to n of them cannot fail:
 * 0 or -ENOMEM (the heap is unchanged then). */
int heap_reserve(struct heap *h, size_t n);
/* Insert x with key, or move it there when it is in already: 0, or
 * -ENOMEM when it was not in and there is no room (see heap_reserve). */
int heap_set(struct heap *h, struct heap_node *x, uint64_t key);
/* Take x out; harmless when it is in no heap. */
void heap_del(struct heap *h, struct heap_node *x);
/* The node with the least key, or NULL when empty. */
struct heap_node *heap_min(const struct heap *h);

static inline bool heap_node_queued(const struct heap_node *x)
{
	return x->pos != 0;
}

static inline size_t heap_count(const struct heap *h)
{
	return h->n;
}

#endif
