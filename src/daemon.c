/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one daemon context (daemon_priv.h): its wiring, and its start-up
 * order:
 *   configuration -> kernel checks -> netlink sockets (events joined before
 *   any dump, so nothing falls between a snapshot and the live stream) ->
 *   link/address dump -> adoption of existing connections -> READY=1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "ctl_server.h"
#include "daemon.h"
#include "daemon_priv.h"
#include "diag.h"
#include "engine.h"
#include "genl.h"
#include "history.h"
#include "health.h"
#include "iface.h"
#include "log.h"
#include "loop.h"
#include "model.h"
#include "nslock.h"
#include "plugin.h"
#include "resync.h"
#include "rtnl.h"
#include "sd.h"
#include "strategies/registry.h"
#include "sysctl.h"

static int daemon_send(void *arg, const struct mptcpd_action *a)
{
	struct daemon *d = arg;

	return daemon_history_send(d, a);
}

static uint64_t daemon_now_ms(void *arg)
{
	struct daemon *d = arg;

	return loop_now_ms(d->loop);
}

static void daemon_on_retry(void *arg)
{
	struct daemon *d = arg;
	struct loop_timer *t = d->retry;

	d->retry = NULL;
	loop_timer_del(d->loop, t);	/* one-shot: done firing */
	engine_on_timer(d->engine);
}

static void daemon_schedule(void *arg, uint64_t at_ms)
{
	struct daemon *d = arg;
	uint64_t now = loop_now_ms(d->loop);

	loop_timer_del(d->loop, d->retry);
	d->retry = loop_timer_add(d->loop, at_ms > now ? (at_ms - now) / 1e3 : 0,
				  0, daemon_on_retry, d);
}

/* The connections with data waiting are moved first, at once. */
#define DAEMON_PATH_SENDERS	64
/* The others in steps of this many connections, one step per loop
 * iteration: a few milliseconds each, where 10,000 at once held the loop
 * for over a second. */
#define DAEMON_SWEEP_STEP	256

static void daemon_sweep_step(void *arg)
{
	struct daemon *d = arg;

	if (engine_path_dead_step(d->engine, &d->sweep, DAEMON_SWEEP_STEP))
		return;
	loop_timer_del(d->loop, d->sweep_timer);
	d->sweep_timer = NULL;
}

static void daemon_path_dead(struct daemon *d, const struct mptcpd_addr *local)
{
	uint32_t first[DAEMON_PATH_SENDERS];
	size_t n = health_path_senders(d->health, local, first,
				       DAEMON_PATH_SENDERS);

	/* Two paths dying at once is rare: the first sweep ends now. */
	if (d->sweep_timer) {
		while (engine_path_dead_step(d->engine, &d->sweep, SIZE_MAX))
			;
		loop_timer_del(d->loop, d->sweep_timer);
		d->sweep_timer = NULL;
	}
	daemon_history_path(d, local, true, "subflows from it stalled and "
			    "nothing was heard from it");
	engine_hold_path(d->engine, local);
	engine_path_dead_begin(d->engine, &d->sweep, local, first, n);
	d->sweep_timer = loop_timer_add(d->loop, 0, 0.001, daemon_sweep_step, d);
	if (!d->sweep_timer)	/* out of memory: all of it now, then */
		while (engine_path_dead_step(d->engine, &d->sweep, SIZE_MAX))
			;
}

static void daemon_health_sample(void *arg, const struct diag_subflow *s)
{
	struct daemon *d = arg;
	struct mptcpd_addr path;
	char l[ADDR_STRLEN];

	switch (health_sample(d->health, s)) {
	case HEALTH_VERDICT_NONE:
		break;
	case HEALTH_VERDICT_STALLED:
		engine_on_stalled(d->engine, s->token, &s->local, &s->remote);
		break;
	case HEALTH_VERDICT_PATH_DEAD:
		daemon_path_dead(d, &s->local);
		break;
	case HEALTH_VERDICT_ON_DEAD_PATH:
		engine_on_dead_path_conn(d->engine, s->token, &s->local);
		break;
	case HEALTH_VERDICT_PATH_ALIVE:
		path = s->local;
		path.port = 0;
		log_info(LOG_SUB_CORE, "path from %s works again (a subflow "
			 "on it heard an ACK)", addr_str(&path, l, sizeof(l)));
		daemon_history_path(d, &path, false, "a subflow on it heard an "
				    "ACK");
		engine_release_path(d->engine, &path, true);
		break;
	}
}

/* The kernel says nothing about a subflow whose packets vanish (link up,
 * path dead): look at the subflows' TCP state every HEALTH_TICK_MS
 * instead.  health.c picks which ones (the senders every tick, the idle
 * ones in a slow round-robin: a bounded number of exact lookups, whatever
 * the number of connections); only while there are connections and the
 * strategy wants to know. */
static void daemon_health_tick(void *arg)
{
	struct daemon *d = arg;
	size_t n;

	daemon_rtt_tick(d);
	if (!engine_watches_stalls(d->engine)) {
		if (health_hot_count(d->health))
			health_forget_all(d->health);
		return;
	}
	if (!model_conn_count(d->model))
		return;
	n = health_plan(d->health, d->model, loop_now_ms(d->loop), d->keys,
			HEALTH_TICK_BUDGET);
	if (!n)
		return;
	if (diag_query_subflows(d->keys, n, daemon_health_sample, d) == 0)
		health_tick_end(d->health);
}

/* A subflow of ours just up is watched from its first tick, and says that
 * its path works (its SYN and SYN/ACK went through). */
static void daemon_health_watch(struct daemon *d, const struct mptcpd_event *ev)
{
	struct mptcpd_addr local = ev->local, remote = ev->remote;
	char l[ADDR_STRLEN];

	if (ev->type != MPTCPD_EVENT_ESTABLISHED &&
	    ev->type != MPTCPD_EVENT_SUB_ESTABLISHED)
		return;
	/* Only looked at while a strategy in use wants stalls: otherwise no
	 * tick would ever forget them. */
	if (!engine_watches_stalls(d->engine))
		return;
	if (!model_conn_find(d->model, ev->token))
		return;		/* left alone by the engine */
	addr_unmap_v4(&local);
	addr_unmap_v4(&remote);
	if (!health_watch(d->health, ev->token, &local, &remote, ev->ifindex))
		return;
	local.port = 0;
	log_info(LOG_SUB_CORE, "path from %s works again (a subflow on it was "
		 "established)", addr_str(&local, l, sizeof(l)));
	daemon_history_path(d, &local, false, "a subflow on it was "
			    "established");
	engine_release_path(d->engine, &local, true);
}

static void daemon_on_pm_event(void *arg, const struct mptcpd_event *ev)
{
	struct daemon *d = arg;

	engine_on_event(d->engine, ev);
	daemon_health_watch(d, ev);
	resync_note_event(d->resync, ev);
}

static void daemon_on_result(void *arg, const struct mptcpd_action *a, int err,
			     const char *extack)
{
	struct daemon *d = arg;
	struct mptcpd_action plain = *a;

	daemon_history_result(d, a, err);
	/* The tag was the history's: the engine and the strategy (in
	 * ACTION_FAILED) see the command without it. */
	plain.reason = NULL;
	engine_on_result(d->engine, &plain, err, extack);
}

/* The engine and genl name "no such connection" alike. */
_Static_assert(GENL_ERR_NO_CONN == ENGINE_ERR_NO_CONN,
	       "genl and engine disagree on the no-connection error");

/* Command ACKs lost although the window is sized for the socket: the
 * model may believe what the kernel did not do (or the reverse); rebuild
 * it from the kernel rather than guess command by command. */
static void daemon_on_acks_lost(void *arg, size_t n)
{
	struct daemon *d = arg;

	engine_on_acks_lost(d->engine, n);
	if (resync_request(d->resync))
		log_warn(LOG_SUB_GENL, "the answers to %zu commands were lost "
			 "(command socket overflow); resynchronising from "
			 "sock_diag", n);
	else
		log_debug(LOG_SUB_GENL, "the answers to %zu more commands "
			  "were lost; a resync is already due", n);
}

static void daemon_on_cmds_idle(void *arg)
{
	struct daemon *d = arg;

	engine_on_idle(d->engine);
}

static void daemon_on_local_addr(void *arg, const struct mptcpd_local_addr *a,
				 bool usable)
{
	struct daemon *d = arg;

	/* A new verdict for a changed address; engine_on_local_addr asks
	 * every connection again anyway. */
	health_path_reset(d->health, &a->addr);
	if (d->engine) {
		engine_release_path(d->engine, &a->addr, false);
		engine_on_local_addr(d->engine, a, usable);
	}
}

static void daemon_events_resume(void *arg)
{
	struct daemon *d = arg;

	loop_timer_del(d->loop, d->pace_timer);
	d->pace_timer = NULL;
	loop_io_set(d->loop, d->io_events, true, false);
}

/* In a storm of events, read them in batches (pace.h): the socket is not
 * watched for PACE_GAP_MS after a read. */
static void daemon_events_readable(void *arg)
{
	struct daemon *d = arg;

	genl_event_readable(d->genl);
	if (d->pace_timer || !pace_after_read(&d->pace, loop_now_ms(d->loop)))
		return;
	d->pace_timer = loop_timer_add(d->loop, PACE_GAP_MS / 1000.0, 0,
				       daemon_events_resume, d);
	if (d->pace_timer)
		loop_io_set(d->loop, d->io_events, false, false);
}

static void daemon_cmds_readable(void *arg)
{
	struct daemon *d = arg;

	genl_cmd_readable(d->genl);
}

static void daemon_route_readable(void *arg)
{
	struct daemon *d = arg;

	rtnl_readable(d->rtnl);
}

static void daemon_on_term(void *arg)
{
	struct daemon *d = arg;

	log_info(LOG_SUB_CORE, "shutting down");
	daemon_notify_stopping();
	loop_stop(d->loop);
}

static const struct genl_callbacks daemon_genl_cb = {
	.event = daemon_on_pm_event,
	.result = daemon_on_result,
	.overflow = daemon_on_pm_overflow,
	.acks_lost = daemon_on_acks_lost,
	.idle = daemon_on_cmds_idle,
};

static void daemon_observe_event(void *arg, const struct mptcpd_event *ev)
{
	struct daemon *d = arg;

	ctl_server_publish_event(d->ctl, ev);
}

static void daemon_observe_action(void *arg, const struct mptcpd_action *a,
				  const struct engine_why *why)
{
	struct daemon *d = arg;

	daemon_history_action(d, a, why);
	ctl_server_publish_action(d->ctl, a, why->cause, why->reason);
}

static const struct engine_ops daemon_engine_ops = {
	.send = daemon_send,
	.now_ms = daemon_now_ms,
	.schedule = daemon_schedule,
	.observe_event = daemon_observe_event,
	.observe_action = daemon_observe_action,
	.owner = daemon_conn_owner,
};

/* --log, else the journal when systemd started us; -d wins over the
 * file's log level. */
void daemon_setup_log(const struct args *a)
{
	log_set_target(a->log_target_set ? a->log_target :
		       sd_started_by_systemd() ? LOG_TARGET_JOURNAL :
		       LOG_TARGET_STDERR);
	if (a->debug) {
		log_set_level(LOG_DEBUG);
		log_set_debug_mask(a->debug_mask);
	}
}

static void daemon_group_chown_failed(struct daemon *d, const char *dir,
				      int err)
{
	const char *name = d->cfg.control_group;

	if (geteuid() == 0)
		log_warn(LOG_SUB_CORE, "control-group %s: cannot give %s to the "
			 "group: %s; its members cannot reach the control socket",
			 name, dir, strerror(err));
	else
		log_warn(LOG_SUB_CORE, "control-group %s: cannot give %s to the "
			 "group (%s): its members cannot reach the control socket. "
			 "Under systemd, run mptcpd with that group instead: "
			 "Group=%s with 'systemctl edit mptcpd' (the unit forbids "
			 "chown; RuntimeDirectory= and what mptcpd makes in it then "
			 "have the group from the start)", name, dir, strerror(err),
			 name);
}

/* dir to gid, unless it has that group already: the daemon runs with
 * the group (the unit's Group=) or made dir in a setgid directory of it.
 * Skipping the chown then is what lets the unit forbid it (@chown is in
 * its SystemCallFilter=~@privileged).  0 or -errno. */
static int daemon_give_dir(const char *dir, gid_t gid)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	if (st.st_gid == gid)
		return 0;
	return chown(dir, (uid_t)-1, gid) < 0 ? -errno : 0;
}

/* Members of the control group reach the socket through two 0750
 * directories, the runtime directory and the namespace's, so both go to
 * that group too (their owner stays).  Without a group they are left
 * alone, unless a reload just removed one: then they go back to our own
 * group. */
void daemon_apply_group(struct daemon *d, gid_t old_gid)
{
	char run[108];
	const char *dirs[] = { ctl_runtime_dir(run, sizeof(run)), d->ns_dir };
	gid_t gid = d->ctl_gid;
	int err = 0;

	if (!d->ctl)
		return;
	ctl_server_set_group(d->ctl, d->ctl_gid);
	if (gid == (gid_t)-1 && old_gid == (gid_t)-1)
		return;
	if (gid == (gid_t)-1)
		gid = getegid();
	for (size_t i = 0; i < 2 && err == 0; i++) {
		err = daemon_give_dir(dirs[i], gid);
		if (err < 0 && d->ctl_gid != (gid_t)-1)
			daemon_group_chown_failed(d, dirs[i], -err);
	}
	if (err == 0 && d->ctl_gid != (gid_t)-1)
		log_info(LOG_SUB_CORE, "control socket: group %s (gid %u) may "
			 "change the daemon's state", d->cfg.control_group,
			 (unsigned int)gid);
}

static void daemon_on_hup(void *arg)
{
	daemon_reload(arg, NULL);
}

/* mptcpd-ctl strategy NAME: built-in first, then the plugins. */
static int daemon_ctl_set_strategy(void *arg, const char *name)
{
	struct daemon *d = arg;
	const struct mptcpd_strategy *s = strategy_find(name);

	if (!s)
		s = plugin_find(d->plugins, name);
	if (!s)
		return -ENOENT;
	daemon_history_note(d, HISTORY_STRATEGY, s->name, "strategy switched "
			    "with mptcpd-ctl");
	engine_set_strategy(d->engine, s);
	d->strategy = s;
	snprintf(d->cfg.strategy, sizeof(d->cfg.strategy), "%s", s->name);
	daemon_notify_status(d);
	return 0;
}

/* The reasons of a refusal, "FILE:LINE: what" lines, into why. */
static int daemon_ctl_reload(void *arg, char *why, size_t len)
{
	struct config_report *r = calloc(1, sizeof(*r));
	int err;

	err = daemon_reload(arg, r);
	if (why && len)
		snprintf(why, len, "%s", r ? r->text : "");
	free(r);
	return err;
}

static const struct plugin_set *daemon_ctl_plugins(void *arg)
{
	struct daemon *d = arg;

	return d->plugins;
}

/* Netlink datagrams from anyone but the kernel, dropped by the edges. */
static uint64_t daemon_ctl_netlink_dropped(void *arg)
{
	struct daemon *d = arg;

	return genl_dropped(d->genl) + rtnl_dropped(d->rtnl) + diag_dropped();
}

struct daemon_stats_ctx {
	const struct mptcpd_conn *c;
	struct ctl_subflow_stats *out;
};

static void daemon_stats_one(void *arg, const struct diag_subflow *s)
{
	struct daemon_stats_ctx *x = arg;

	for (size_t i = 0; i < x->c->n_subflows; i++) {
		const struct mptcpd_subflow *m = &x->c->subflows[i];

		if (!addr_equal(&m->local, &s->local) ||
		    !addr_equal(&m->remote, &s->remote))
			continue;
		x->out[i].found = true;
		x->out[i].rtt_us = s->rtt_us;
		x->out[i].bytes_sent = s->bytes_acked;
		x->out[i].bytes_received = s->bytes_received;
		x->out[i].retransmits = s->total_retrans;
		x->out[i].unacked = s->unacked;
	}
}

/* "connection TOKEN": its established subflows looked up by 4-tuple. */
static void daemon_ctl_subflow_stats(void *arg, const struct mptcpd_conn *c,
				     struct ctl_subflow_stats *out)
{
	struct daemon_stats_ctx x = { c, out };
	struct diag_subflow_key *keys = calloc(c->n_subflows, sizeof(*keys));
	size_t n = 0;

	(void)arg;
	if (!keys)
		return;
	for (size_t i = 0; i < c->n_subflows; i++) {
		const struct mptcpd_subflow *s = &c->subflows[i];

		if (s->state != MPTCPD_SUBFLOW_ESTABLISHED || !s->local.port)
			continue;
		keys[n].local = s->local;
		keys[n].remote = s->remote;
		keys[n].ifindex = s->ifindex;
		n++;
	}
	if (n)
		diag_query_subflows(keys, n, daemon_stats_one, &x);
	free(keys);
}

/* The per-interface bytes of "stats": one sock_diag dump of the subflows,
 * read by the asking client a slice at a time; each subflow's counts go
 * to the engine, which keeps them with the subflow (stats.h). */
static void daemon_bytes_one(void *arg, const struct diag_subflow *s)
{
	struct daemon *d = arg;
	struct mptcpd_addr local = s->local, remote = s->remote;

	if (!s->has_tcp_info || !s->established)
		return;
	addr_unmap_v4(&local);
	addr_unmap_v4(&remote);
	engine_bytes_seen(d->engine, s->token, &local, &remote, s->bytes_acked,
			  s->bytes_received);
}

/* One dump at a time, whoever asks: a request made while another's runs
 * is answered with the last readings (bytes_fresh false), so that clients
 * asking at once cost one dump's slices per loop turn, not one each. */
static void *daemon_bytes_begin(void *arg)
{
	struct daemon *d = arg;
	struct diag_dumper *w;

	if (d->bytes_dumping)
		return NULL;
	w = diag_dumper_new(NULL, daemon_bytes_one, d);
	if (w) {
		engine_bytes_begin(d->engine);
		d->bytes_dumping = true;
	}
	return w;
}

static int daemon_bytes_step(void *arg, void *dump)
{
	int r = diag_dumper_step(dump);

	(void)arg;
	return r == DIAG_STEP_NEXT_DUMP ? 0 : r;
}

static void daemon_bytes_end(void *arg, void *dump)
{
	struct daemon *d = arg;

	diag_dumper_free(dump);
	d->bytes_dumping = false;
}

/* The daemon manages connections without its control socket too: a
 * socket that cannot be made is logged, not fatal. */
static void daemon_start_ctl(struct daemon *d)
{
	struct ctl_server_env env = {
		.loop = d->loop, .model = d->model, .ifaces = d->ifaces,
		.engine = d->engine, .resync = d->resync,
		.started_ms = d->started_ms,
		.now_ms = daemon_now_ms, .set_strategy = daemon_ctl_set_strategy,
		.reload = daemon_ctl_reload, .plugins = daemon_ctl_plugins,
		.netlink_dropped = daemon_ctl_netlink_dropped,
		.subflow_stats = daemon_ctl_subflow_stats,
		.history = d->history,
		.bytes_begin = daemon_bytes_begin, .bytes_step = daemon_bytes_step,
		.bytes_end = daemon_bytes_end, .arg = d,
	};

	ctl_server_new(&d->ctl, d->ns_dir, &env);
	daemon_apply_group(d, (gid_t)-1);
}

/* Sockets first, dumps second: anything that changes while we dump is
 * already queued on the subscribed sockets. */
static int daemon_start(struct daemon *d)
{
	int err;

	d->loop = loop_new();
	d->model = model_new();
	d->health = health_new();
	d->ifaces = iface_table_new(daemon_on_local_addr, d);
	if (!d->loop || !d->model || !d->health || !d->ifaces)
		return -ENOMEM;
	if (daemon_history_start(d) < 0)
		return -ENOMEM;
	d->engine = engine_new(d->model, d->ifaces, d->strategy,
			       d->cfg.max_subflows, &daemon_engine_ops, d);
	if (!d->engine)
		return -ENOMEM;
	stats_init(&d->stats);
	engine_set_stats(d->engine, &d->stats);
	engine_set_backoff(d->engine, d->cfg.backoff_initial_ms,
			   d->cfg.backoff_max_ms);
	engine_set_peer_policy(d->engine, d->cfg.accept_announcements,
			       d->cfg.max_announcements);
	engine_set_rtt_switch(d->engine, d->cfg.rtt_switch_ratio_pct,
			      d->cfg.rtt_switch_margin_ms,
			      d->cfg.rtt_switch_hold_ms);
	if (engine_set_announce(d->engine, d->cfg.announce == CONFIG_ANNOUNCE_ALL,
				d->cfg.announce_addrs.v, d->cfg.announce_addrs.n) < 0)
		return -ENOMEM;
	if (daemon_apply_policies(d, d->strategy) < 0)
		return -ENOMEM;
	err = genl_new(&d->genl, &daemon_genl_cb, d);
	if (err < 0)
		return err;
	engine_set_join_backup_honoured(d->engine,
					genl_upm_checks_flags(d->genl));
	err = rtnl_new(&d->rtnl, &daemon_rtnl_cb, d);
	if (err < 0)
		return err;
	err = rtnl_dump(d->rtnl);
	if (err < 0)
		return err;
	if (daemon_resync_init(d) < 0)
		return -ENOMEM;
	daemon_adopt(d);

	d->io_events = loop_io_add(d->loop, genl_event_fd(d->genl),
				   daemon_events_readable, d);
	d->io_cmds = loop_io_add(d->loop, genl_cmd_fd(d->genl),
				 daemon_cmds_readable, d);
	d->io_route = loop_io_add(d->loop, rtnl_fd(d->rtnl),
				  daemon_route_readable, d);
	if (!d->io_events || !d->io_cmds || !d->io_route)
		return -ENOMEM;
	loop_signal_add(d->loop, SIGTERM, daemon_on_term, d);
	loop_signal_add(d->loop, SIGINT, daemon_on_term, d);
	loop_signal_add(d->loop, SIGHUP, daemon_on_hup, d);
	daemon_notify_start(d);
	d->keys = calloc(HEALTH_TICK_BUDGET, sizeof(*d->keys));
	d->health_tick = loop_timer_add(d->loop, HEALTH_TICK_MS / 1000.0,
					HEALTH_TICK_MS / 1000.0,
					daemon_health_tick, d);
	if (!d->keys || !d->health_tick)
		return -ENOMEM;
	if (daemon_reconcile_start(d) < 0 || daemon_trim_start(d) < 0)
		return -ENOMEM;
	d->started_ms = loop_now_ms(d->loop);
	daemon_start_ctl(d);
	return 0;
}

static void daemon_stop(struct daemon *d)
{
	ctl_server_free(d->ctl);	/* first: it reads everything below */
	daemon_reconcile_stop(d);
	daemon_trim_stop(d);
	if (d->loop) {
		loop_io_del(d->loop, d->io_events);
		loop_timer_del(d->loop, d->pace_timer);
		loop_io_del(d->loop, d->io_cmds);
		loop_io_del(d->loop, d->io_route);
		loop_timer_del(d->loop, d->notify_tick);
		loop_timer_del(d->loop, d->retry);
		loop_timer_del(d->loop, d->health_tick);
		loop_timer_del(d->loop, d->sweep_timer);
	}
	daemon_resync_free(d);
	daemon_policy_free(d);
	health_free(d->health);
	free(d->keys);
	rtnl_free(d->rtnl);
	genl_free(d->genl);
	engine_free(d->engine);
	daemon_history_stop(d);
	iface_table_free(d->ifaces);
	model_free(d->model);
	loop_free(d->loop);
	plugin_set_free(d->plugins);	/* after the engine: it held a pointer */
	config_free(&d->cfg);
	nslock_release(d->lock_fd);	/* last: the socket is gone */
}

/* One daemon per network namespace (nslock.h): a second one stops here,
 * before it touches the kernel. */
static int daemon_lock(struct daemon *d)
{
	pid_t pid;
	int err = ctl_ns_dir(d->ns_dir, sizeof(d->ns_dir));

	if (err < 0) {
		log_err(LOG_SUB_CORE, "cannot tell the network namespace "
			"(/proc/self/ns/net): %s", strerror(-err));
		return err;
	}
	err = nslock_take(d->ns_dir, &d->lock_fd, &pid);
	if (err == -EWOULDBLOCK && pid)
		log_err(LOG_SUB_CORE, "another mptcpd (pid %ld) manages this "
			"network namespace (it holds %s/%s): one path manager "
			"per namespace; stop that one first ('systemctl stop "
			"mptcpd' or 'kill %ld')", (long)pid, d->ns_dir,
			CTL_LOCK_NAME, (long)pid);
	else if (err == -EWOULDBLOCK)
		log_err(LOG_SUB_CORE, "another mptcpd manages this network "
			"namespace (it holds %s/%s): one path manager per "
			"namespace; stop that one first", d->ns_dir, CTL_LOCK_NAME);
	else if (err == -EPERM)
		log_err(LOG_SUB_CORE, "%s: writable by others or owned by another "
			"user; remove it, or set MPTCPD_RUNTIME_DIRECTORY to a "
			"directory only mptcpd's user writes", d->ns_dir);
	else if (err < 0)
		log_err(LOG_SUB_CORE, "cannot lock %s/%s: %s", d->ns_dir,
			CTL_LOCK_NAME, strerror(-err));
	return err;
}

int daemon_main(int argc, char **argv)
{
	struct daemon d = { .lock_fd = -1 };
	int rc, err;

	rc = args_parse(&d.args, argc, argv);
	if (rc != ARGS_EXIT_OK || d.args.exit_now)
		return rc;
	daemon_setup_log(&d.args);
	rc = daemon_load_config(&d);
	if (rc != ARGS_EXIT_OK)
		goto out;
	daemon_setup_log(&d.args);	/* -d wins over the file's level */
	if (d.args.check_config) {
		/* The file, its strategies and group are good: what a reload
		 * would accept (ExecReload= runs this first). */
		printf("%s: ok\n", d.args.config_path);
		goto out;
	}
	rc = ARGS_EXIT_FAILURE;
	if (daemon_lock(&d) < 0)
		goto out;
	if (sysctl_check_mptcp(d.args.set_path_manager) < 0)
		goto out;
	err = daemon_start(&d);
	if (err < 0) {
		log_err(LOG_SUB_CORE, "start-up failed: %s", strerror(-err));
		goto out;
	}
	daemon_notify_ready(&d);
	log_info(LOG_SUB_CORE, "ready: strategy %s, max %u subflows per connection",
		 d.cfg.strategy, d.cfg.max_subflows);
	loop_run(d.loop);
	rc = ARGS_EXIT_OK;
out:
	daemon_stop(&d);
	return rc;
}
