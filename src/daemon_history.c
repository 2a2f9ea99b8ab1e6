/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's side of the decision history (history.h): every action the
 * engine sends is recorded with its story, and its outcome filled in when
 * the kernel answers; strategy switches, reloads and path verdicts are
 * recorded too.  The entry travels with the command as a tag in the
 * copy genl queues (the command's reason, history_tag()), so that the
 * answer finds it in O(1), whatever reordering genl's queue does.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "daemon_priv.h"
#include "genl.h"
#include "history.h"
#include "log.h"
#include "loop.h"

static int64_t daemon_history_wall_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int daemon_history_start(struct daemon *d)
{
	d->history = history_new(d->cfg.history_size);
	return d->history ? 0 : -ENOMEM;
}

void daemon_history_reconfigure(struct daemon *d)
{
	if (history_resize(d->history, d->cfg.history_size) < 0)
		log_err(LOG_SUB_CORE, "out of memory for a history of %u "
			"decisions: %zu kept", d->cfg.history_size,
			history_cap(d->history));
}

void daemon_history_stop(struct daemon *d)
{
	history_free(d->history);
	d->history = NULL;
}

static struct history_entry *daemon_history_add(struct daemon *d,
						enum history_kind kind)
{
	return history_add(d->history, kind, loop_now_ms(d->loop),
			   daemon_history_wall_ms());
}

void daemon_history_action(struct daemon *d, const struct mptcpd_action *a,
			   const struct engine_why *why)
{
	struct history_entry *e = daemon_history_add(d, HISTORY_ACTION);

	d->send_tag = NULL;
	if (!e)
		return;
	e->outcome = HISTORY_OUTCOME_SENT;
	e->token = a->token;
	e->action = a->type;
	e->local = a->local;
	e->remote = a->remote;
	e->local_id = a->local_id;
	e->backup = a->backup;
	HISTORY_SET(e->dev, why->dev);
	HISTORY_SET(e->strategy, why->strategy);
	HISTORY_SET(e->policy, why->policy);
	HISTORY_SET(e->reason, why->reason);
	HISTORY_SET(e->cause, why->cause);
	d->send_tag = history_tag(e);
}

int daemon_history_send(struct daemon *d, const struct mptcpd_action *a)
{
	struct mptcpd_action tagged = *a;
	int err;

	/* The tag of the entry daemon_history_action() just made, if it
	 * is this command's (the engine observes each command right before
	 * sending it). */
	tagged.reason = d->send_tag;
	d->send_tag = NULL;
	err = genl_send(d->genl, &tagged);
	if (err < 0)
		history_outcome(d->history, &tagged, HISTORY_OUTCOME_NOT_SENT,
				err);
	return err;
}

void daemon_history_result(struct daemon *d, const struct mptcpd_action *a,
			   int err)
{
	history_outcome(d->history, a, err < 0 ? HISTORY_OUTCOME_REFUSED :
			HISTORY_OUTCOME_DONE, err);
}

void daemon_history_note(struct daemon *d, enum history_kind kind,
			 const char *strategy, const char *text)
{
	struct history_entry *e = daemon_history_add(d, kind);

	if (!e)
		return;
	HISTORY_SET(e->strategy, strategy);
	HISTORY_SET(e->reason, text);
}

void daemon_history_path(struct daemon *d, const struct mptcpd_addr *local,
			 bool dead, const char *why)
{
	struct history_entry *e = daemon_history_add(d, dead ?
						      HISTORY_PATH_DEAD :
						      HISTORY_PATH_ALIVE);
	char l[ADDR_STRLEN];

	if (!e)
		return;
	e->local = *local;
	e->local.port = 0;
	snprintf(e->reason, sizeof(e->reason), "path from %s %s: %s",
		 addr_str(&e->local, l, sizeof(l)), dead ? "dead" :
		 "works again", why);
}
