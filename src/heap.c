/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "heap.h"

void heap_init(struct heap *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
}

void heap_fini(struct heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->pos = 0;
	free(h->v);
	heap_init(h);
}

int heap_reserve(struct heap *h, size_t n)
{
	size_t cap = h->cap ? h->cap : 16;
	struct heap_node **v;

	if (n <= h->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	v = realloc(h->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	h->v = v;
	h->cap = cap;
	return 0;
}

static void heap_place(struct heap *h, size_t i, struct heap_node *x)
{
	h->v[i] = x;
	x->pos = i + 1;
}

/* Move the node at i towards the root while its parent's key is larger. */
static void heap_up(struct heap *h, size_t i)
{
	struct heap_node *x = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (h->v[parent]->key <= x->key)
			break;
		heap_place(h, i, h->v[parent]);
		i = parent;
	}
	heap_place(h, i, x);
}

/* Move the node at i towards the leaves while a child's key is smaller. */
static void heap_down(struct heap *h, size_t i)
{
	struct heap_node *x = h->v[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= h->n)
			break;
		if (child + 1 < h->n && h->v[child + 1]->key < h->v[child]->key)
			child++;
		if (x->key <= h->v[child]->key)
			break;
		heap_place(h, i, h->v[child]);
		i = child;
	}
	heap_place(h, i, x);
}

int heap_set(struct heap *h, struct heap_node *x, uint64_t key)
{
	size_t i;

	if (!heap_node_queued(x)) {
		if (heap_reserve(h, h->n + 1) < 0)
			return -ENOMEM;
		x->key = key;
		heap_place(h, h->n++, x);
		heap_up(h, h->n - 1);
		return 0;
	}
	i = x->pos - 1;
	if (key < x->key) {
		x->key = key;
		heap_up(h, i);
	} else {
		x->key = key;
		heap_down(h, i);
	}
	return 0;
}

void heap_del(struct heap *h, struct heap_node *x)
{
	size_t i;
	struct heap_node *last;

	if (!heap_node_queued(x))
		return;
	i = x->pos - 1;
	x->pos = 0;
	last = h->v[--h->n];
	if (i == h->n)
		return;		/* it was the last one */
	/* The last node fills the hole and goes up or down from there. */
	heap_place(h, i, last);
	if (i > 0 && h->v[(i - 1) / 2]->key > last->key)
		heap_up(h, i);
	else
		heap_down(h, i);
}

struct heap_node *heap_min(const struct heap *h)
{
	return h->n ? h->v[0] : NULL;
}
