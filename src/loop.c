/* SPDX-License-Identifier: BSD-3-Clause */
#include <ev.h>
#include <stdlib.h>

#include "loop.h"

struct loop_signal;

struct loop {
	struct ev_loop *ev;
	struct loop_signal *signals;
};

struct loop_io {
	ev_io w;		/* first: libev hands back this pointer */
	loop_cb cb;
	void *arg;
};

struct loop_timer {
	ev_timer w;
	loop_cb cb;
	void *arg;
};

struct loop_signal {
	ev_signal w;
	loop_cb cb;
	void *arg;
	struct loop_signal *next;
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->ev = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOENV);
	if (!l->ev) {
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->signals) {
		struct loop_signal *s = l->signals;

		l->signals = s->next;
		ev_ref(l->ev);
		ev_signal_stop(l->ev, &s->w);
		free(s);
	}
	ev_loop_destroy(l->ev);
	free(l);
}

int loop_run(struct loop *l)
{
	return ev_run(l->ev, 0) ? 0 : 0;
}

void loop_stop(struct loop *l)
{
	ev_break(l->ev, EVBREAK_ALL);
}

uint64_t loop_now_ms(struct loop *l)
{
	ev_now_update(l->ev);
	return (uint64_t)(ev_now(l->ev) * 1000.0);
}

static void loop_io_fire(struct ev_loop *ev, ev_io *w, int revents)
{
	struct loop_io *io = (struct loop_io *)w;

	io->cb(io->arg);
}

struct loop_io *loop_io_add(struct loop *l, int fd, loop_cb cb, void *arg)
{
	struct loop_io *io = calloc(1, sizeof(*io));

	if (!io)
		return NULL;
	io->cb = cb;
	io->arg = arg;
	ev_io_init(&io->w, loop_io_fire, fd, EV_READ);
	ev_io_start(l->ev, &io->w);
	return io;
}

void loop_io_del(struct loop *l, struct loop_io *io)
{
	if (!io)
		return;
	ev_io_stop(l->ev, &io->w);
	free(io);
}

void loop_io_set(struct loop *l, struct loop_io *io, bool read, bool write)
{
	int events = (read ? EV_READ : 0) | (write ? EV_WRITE : 0);

	/* libev wants a watcher stopped while its events change. */
	ev_io_stop(l->ev, &io->w);
	ev_io_set(&io->w, io->w.fd, events);
	if (events)
		ev_io_start(l->ev, &io->w);
}

static void loop_timer_fire(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct loop_timer *t = (struct loop_timer *)w;

	t->cb(t->arg);
}

struct loop_timer *loop_timer_add(struct loop *l, double after_s,
				  double period_s, loop_cb cb, void *arg)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cb = cb;
	t->arg = arg;
	ev_timer_init(&t->w, loop_timer_fire, after_s, period_s);
	ev_timer_start(l->ev, &t->w);
	return t;
}

void loop_timer_del(struct loop *l, struct loop_timer *t)
{
	if (!t)
		return;
	ev_timer_stop(l->ev, &t->w);
	free(t);
}

static void loop_signal_fire(struct ev_loop *ev, ev_signal *w, int revents)
{
	struct loop_signal *s = (struct loop_signal *)w;

	s->cb(s->arg);
}

/* Signal watchers live as long as the loop and are freed with it. */
int loop_signal_add(struct loop *l, int signo, loop_cb cb, void *arg)
{
	struct loop_signal *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->cb = cb;
	s->arg = arg;
	ev_signal_init(&s->w, loop_signal_fire, signo);
	ev_signal_start(l->ev, &s->w);
	s->next = l->signals;
	l->signals = s;
	ev_unref(l->ev);	/* signals alone must not keep the loop alive */
	return 0;
}
