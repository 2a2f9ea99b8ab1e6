/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mass actions, told in one line.  An address or a listener that goes
 * makes one command or three per connection; with ten thousand
 * connections a line per command drowned the journal (and the loop).  A
 * sweep opens with the event, counts what the engine sends and what the
 * kernel answers, and closes when every command has its answer (the
 * daemon says so: engine_on_idle): then one line with the counts.
 * Per-command lines are debug level meanwhile.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "engine_priv.h"
#include "log.h"

/* A sweep whose answers never all came (a lost ACK the resync covers) is
 * closed by the next one after this long. */
#define ENGINE_SWEEP_STALE_MS	10000

static void engine_sweep_reset(struct engine_sweep *w)
{
	memset(w, 0, sizeof(*w));
}

void engine_sweep_open(struct engine *e, const char *label)
{
	struct engine_sweep *w = &e->sweep;
	uint64_t now = e->ops.now_ms(e->ops_arg);

	if (w->open && now - w->start_ms > ENGINE_SWEEP_STALE_MS)
		engine_sweep_close(e);
	if (w->open) {
		w->causes++;	/* a second address of the same link, say */
		return;
	}
	engine_sweep_reset(w);
	w->open = true;
	w->causes = 1;
	w->start_ms = now;
	snprintf(w->label, sizeof(w->label), "%s", label);
}

/* The engine decided about one connection in the sweep. */
void engine_sweep_conn(struct engine *e, uint64_t sent_before)
{
	struct engine_sweep *w = &e->sweep;

	if (w->open && w->sent > sent_before)
		w->conns++;
}

/* No command left the engine: no answer to wait for.  Nothing to tell
 * either, unless commands could not be sent. */
void engine_sweep_end_if_quiet(struct engine *e)
{
	struct engine_sweep *w = &e->sweep;

	if (!w->open || w->sent)
		return;
	if (w->not_sent)
		engine_sweep_close(e);
	else
		engine_sweep_reset(w);
}

void engine_sweep_sent(struct engine *e, const struct mptcpd_action *a,
		       bool ok)
{
	struct engine_sweep *w = &e->sweep;

	if (!w->open)
		return;
	if (ok)
		w->sent++;
	else
		w->not_sent++;
	(void)a;
}

void engine_sweep_result(struct engine *e, const struct mptcpd_action *a,
			 int err)
{
	struct engine_sweep *w = &e->sweep;

	if (!w->open)
		return;
	if (err == ENGINE_ERR_NO_CONN)
		return;		/* counted per connection: engine_conn_gone */
	if (err) {
		w->failed++;
		if (!w->first_err)
			w->first_err = err;
		return;
	}
	switch (a->type) {
	case MPTCPD_ACTION_SUBFLOW_DESTROY:
		w->closed++;
		break;
	case MPTCPD_ACTION_REMOVE:
		w->withdrawn++;
		break;
	case MPTCPD_ACTION_SET_BACKUP:
		if (a->backup)
			w->demoted++;
		else
			w->promoted++;
		break;
	case MPTCPD_ACTION_SUBFLOW_CREATE:
		w->joins++;
		break;
	case MPTCPD_ACTION_ANNOUNCE:
		w->announced++;
		break;
	}
}

void engine_sweep_acks_lost(struct engine *e, size_t n)
{
	if (e->sweep.open)
		e->sweep.acks_lost += n;
}

static void engine_sweep_part(char *buf, size_t len, size_t *at,
			      uint64_t n, const char *what, bool always)
{
	int k;

	if ((!n && !always) || *at >= len)
		return;
	k = snprintf(buf + *at, len - *at, ", %llu %s", (unsigned long long)n,
		     what);
	if (k > 0)
		*at += (size_t)k;
}

void engine_sweep_close(struct engine *e)
{
	struct engine_sweep *w = &e->sweep;
	uint64_t ms;
	char more[32] = "", parts[256] = "";
	size_t at = 0;
	bool bad;

	if (!w->open)
		return;
	ms = e->ops.now_ms(e->ops_arg) - w->start_ms;
	if (w->causes > 1)
		snprintf(more, sizeof(more), " (and %u more)", w->causes - 1);
	engine_sweep_part(parts, sizeof(parts), &at, w->promoted, "promoted", false);
	engine_sweep_part(parts, sizeof(parts), &at, w->joins, "joins", false);
	engine_sweep_part(parts, sizeof(parts), &at, w->announced, "announced", false);
	engine_sweep_part(parts, sizeof(parts), &at, w->withdrawn, "withdrawn", false);
	engine_sweep_part(parts, sizeof(parts), &at, w->closed, "subflows closed", false);
	engine_sweep_part(parts, sizeof(parts), &at, w->demoted, "back to backup", false);
	engine_sweep_part(parts, sizeof(parts), &at, w->failed, "failed", true);
	engine_sweep_part(parts, sizeof(parts), &at, w->gone,
			  "gone from the kernel (forgotten)", false);
	engine_sweep_part(parts, sizeof(parts), &at, w->not_sent, "not sent", false);
	engine_sweep_part(parts, sizeof(parts), &at, w->acks_lost,
			  "answers lost (resynchronising)", false);
	bad = w->failed || w->not_sent || w->acks_lost;
	log_msg(bad ? LOG_WARNING : LOG_INFO, LOG_SUB_ENGINE,
		"%s%s: %llu connection%s%s%s%s (%llu ms)", w->label, more,
		(unsigned long long)w->conns, w->conns == 1 ? "" : "s", parts,
		bad && w->first_err ? "; first error: " : "",
		bad && w->first_err ? strerror(-w->first_err) : "",
		(unsigned long long)ms);
	engine_sweep_reset(w);
}

void engine_on_idle(struct engine *e)
{
	engine_sweep_close(e);
}

bool engine_in_sweep(const struct engine *e)
{
	return e->sweep.open;
}
