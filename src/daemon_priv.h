/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon context, shared by the files that make up the daemon:
 * daemon.c (wiring, start-up, shutdown), daemon_reload.c (loading the
 * configuration, at start-up and again on reload), daemon_iface.c (rtnl
 * and the configuration into the interface table), daemon_notify.c (the
 * service manager: status line and watchdog), daemon_adopt.c (the
 * kernel's connections into the model: at start-up, and resyncs).
 */
#ifndef MPTCPD_DAEMON_PRIV_H
#define MPTCPD_DAEMON_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "args.h"
#include "config.h"
#include "engine.h"
#include "pace.h"
#include "reconcile.h"
#include "stats.h"

struct cgroup_map;
struct ctl_server;
struct diag_subflow_key;
struct engine;
struct genl;
struct iface_table;
struct loop;
struct loop_io;
struct loop_timer;
struct model;
struct plugin_set;
struct resync;
struct diag_dumper;
struct rtnl;
struct rtnl_callbacks;
struct health;
struct history;
struct mptcpd_strategy;

struct daemon {
	struct args args;
	struct config cfg;
	struct plugin_set *plugins;
	/* The plugin-dir d->plugins came from, once loaded (the file's check
	 * loads it; the strategy is then picked from the same set). */
	bool plugins_loaded;
	char plugins_dir[CONFIG_PATH_MAX];
	/* Where a reload's reasons go too (mptcpd-ctl reload); NULL: the
	 * log only. */
	struct config_report *report;
	char strategies_text[CONFIG_PATH_MAX + 128];	/* for messages */
	const struct mptcpd_strategy *strategy;
	struct loop *loop;
	struct model *model;
	struct iface_table *ifaces;
	struct engine *engine;
	struct genl *genl;
	struct rtnl *rtnl;
	struct loop_io *io_events, *io_cmds, *io_route;
	struct pace pace;		/* when to read io_events (pace.h) */
	struct loop_timer *pace_timer;	/* reading paused until it fires */
	struct loop_timer *notify_tick;
	uint64_t watchdog_usec;		/* 0 = no systemd watchdog */
	struct resync *resync;		/* after lost events */
	struct loop_timer *resync_timer;	/* its next wake-up */
	struct diag_dumper *dumper;	/* the resync's dumps in progress */
	struct loop_timer *retry;	/* the engine's next backoff expiry */
	struct loop_timer *health_tick;	/* path health (health.h) */
	struct health *health;
	struct diag_subflow_key *keys;	/* HEALTH_TICK_BUDGET lookups */
	struct engine_path_sweep sweep;	/* connections on a dead path */
	struct loop_timer *sweep_timer;	/* its next step; NULL: none */
	uint64_t started_ms;
	char ns_dir[108];		/* ctl_ns_dir(): socket and lock */
	int lock_fd;			/* nslock: one daemon per netns */
	struct ctl_server *ctl;		/* NULL when the socket failed */
	gid_t ctl_gid;			/* [core] control-group; -1: root only */
	struct cgroup_map *cgroups;	/* made when a rule first needs it */
	struct reconcile reconcile;	/* model vs kernel, round-robin */
	struct stats stats;		/* counters since start (the engine's) */
	bool bytes_dumping;		/* a stats request's dump is running */
	struct loop_timer *reconcile_timer;
	struct loop_timer *trim_timer;		/* daemon_trim.c */
	struct history *history;	/* decisions, for mptcpd-ctl events */
	/* The history entry of the command about to be sent (its tag);
	 * NULL: none. */
	const char *send_tag;
};

/* daemon.c */
void daemon_setup_log(const struct args *a);
/* Hand the control socket's directories (the runtime directory and
 * d->ns_dir) to d->ctl_gid; old_gid is the group it had before (-1:
 * none). */
void daemon_apply_group(struct daemon *d, gid_t old_gid);

/* daemon_policy.c */
/* engine_ops.owner: uid and cgroup path of a connection's socket. */
int daemon_conn_owner(void *arg, uint32_t token, uint32_t *uid, char *cgroup,
		      size_t len);
/* d->cfg's [policy] rules, their strategies resolved, into the engine,
 * with def as the default strategy. */
int daemon_apply_policies(struct daemon *d, const struct mptcpd_strategy *def);
void daemon_policy_free(struct daemon *d);

/* daemon_rtt.c: read the RTTs of the connections due (engine_rtt_next),
 * at most DAEMON_RTT_CONNS per tick and DAEMON_RTT_KEYS subflow lookups:
 * every HEALTH_TICK_MS, each connection is read about every 200 ms while
 * no more than 2 * DAEMON_RTT_CONNS are watched. */
#define DAEMON_RTT_CONNS 16
#define DAEMON_RTT_KEYS 64
void daemon_rtt_tick(struct daemon *d);

/* daemon_reload.c */
/* d->cfg from d->args' file, the strategy and the control group resolved:
 * an ARGS_EXIT_* status (errors logged). */
int daemon_load_config(struct daemon *d);
/* Load the file again and apply it, or keep the running configuration:
 * 0, -EINVAL or -ENOMEM. */
/* report: where the reasons of a refusal go too (NULL: the log only). */
int daemon_reload(struct daemon *d, struct config_report *report);

/* daemon_iface.c */
extern const struct rtnl_callbacks daemon_rtnl_cb;
/* The configuration changed: every interface's settings again. */
void daemon_iface_reconfigure(struct daemon *d);

/* daemon_adopt.c */
/* Adopt the kernel's connections at once (start-up): 0 or -errno
 * (logged). */
int daemon_adopt(struct daemon *d);
int daemon_resync_init(struct daemon *d);	/* 0 or -ENOMEM */
void daemon_resync_free(struct daemon *d);
/* genl's overflow callback: events were lost. */
void daemon_on_pm_overflow(void *arg);

/* daemon_reconcile.c: the model checked against the kernel a few
 * connections per tick (reconcile.h). */
int daemon_reconcile_start(struct daemon *d);	/* 0 or -ENOMEM */
void daemon_reconcile_stop(struct daemon *d);

/* daemon_trim.c: freed heap pages back to the system, once a minute. */
int daemon_trim_start(struct daemon *d);	/* 0 or -ENOMEM */
void daemon_trim_stop(struct daemon *d);

/* daemon_history.c: the decision history (history.h). */
int daemon_history_start(struct daemon *d);	/* 0 or -ENOMEM */
void daemon_history_reconfigure(struct daemon *d);	/* [core] history-size */
void daemon_history_stop(struct daemon *d);
/* engine_ops.observe_action: the command about to be sent, and why. */
void daemon_history_action(struct daemon *d, const struct mptcpd_action *a,
			   const struct engine_why *why);
/* Queue the command with its entry's tag: genl_send()'s result. */
int daemon_history_send(struct daemon *d, const struct mptcpd_action *a);
/* The kernel's answer to a command as queued (tag and all). */
void daemon_history_result(struct daemon *d, const struct mptcpd_action *a,
			   int err);
/* Something else worth remembering: a strategy switch, a reload. */
enum history_kind;
void daemon_history_note(struct daemon *d, enum history_kind kind,
			 const char *strategy, const char *text);
/* A path judged dead, or working again. */
void daemon_history_path(struct daemon *d, const struct mptcpd_addr *local,
			 bool dead, const char *why);

/* daemon_notify.c */
void daemon_notify_start(struct daemon *d);	/* the periodic tick */
void daemon_notify_ready(struct daemon *d);
void daemon_notify_stopping(void);
void daemon_notify_status(struct daemon *d);

#endif
