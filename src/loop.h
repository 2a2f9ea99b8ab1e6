/* SPDX-License-Identifier: BSD-3-Clause */
/* The event loop.  The only file that knows libev. */
#ifndef MPTCPD_LOOP_H
#define MPTCPD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_io;
struct loop_timer;

typedef void (*loop_cb)(void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
uint64_t loop_now_ms(struct loop *l);

struct loop_io *loop_io_add(struct loop *l, int fd, loop_cb cb, void *arg);
void loop_io_del(struct loop *l, struct loop_io *io);
/* Which readiness calls back (both false: none, until set again). */
void loop_io_set(struct loop *l, struct loop_io *io, bool read, bool write);
/* Repeating timer (period 0 = one-shot). */
struct loop_timer *loop_timer_add(struct loop *l, double after_s,
				  double period_s, loop_cb cb, void *arg);
void loop_timer_del(struct loop *l, struct loop_timer *t);
int loop_signal_add(struct loop *l, int signo, loop_cb cb, void *arg);

#endif
