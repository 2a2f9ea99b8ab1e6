#!/bin/bash
# The arrows that must never exist (doc/architecture.md), checked on the
# #include lines and calls of src/: which module may know which library,
# and which module may know which other.  A new file falls under the rule
# of its name; a rule broken prints the file and the include or call.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top/src" || exit 99
bad=0

# includes FILE: the names a file includes, one per line.
includes() { sed -n 's/^#include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' "$1"; }

# forbid "WHO (globs)" "PATTERN" "WHY": no file among WHO includes PATTERN.
forbid() {
	local who=$1 pattern=$2 why=$3 f hit
	for f in $who; do
		[ -e "$f" ] || continue
		hit=$(includes "$f" | grep -E "$pattern") || continue
		echo "arch_check: $f includes $(echo $hit): $why"
		bad=1
	done
}

# only "WHO (globs)" "PATTERN" "WHY": no file outside WHO includes PATTERN.
only() {
	local who=$1 pattern=$2 why=$3 f allowed hit
	for f in *.c *.h strategies/*.c strategies/*.h cli/*.c cli/*.h; do
		allowed=0
		for g in $who; do [ "$f" = "$g" ] && allowed=1; done
		[ "$allowed" = 1 ] && continue
		hit=$(includes "$f" | grep -E "$pattern") || continue
		echo "arch_check: $f includes $(echo $hit): $why"
		bad=1
	done
}

# Each library behind one edge.
only "loop.c" '^ev\.h$' "only loop.c knows libev"
only "sd.c" '^systemd/' "only sd.c knows libsystemd"
only "$(echo genl*.c rtnl.c diag*.c nlutil.c)" '^netlink/' \
	"only the netlink edges (genl, rtnl, diag, nlutil) know libnl"
only "mptcp_uapi.h" '^linux/mptcp\.h$' "the kernel's MPTCP uapi comes in through mptcp_uapi.h"
only "$(echo genl*.c diag*.c snapshot.c)" '^mptcp_uapi\.h$' \
	"kernel MPTCP constants stay at the edges, translated into our structs"
only "config_parse.c" '^ini\.h$' "only the config parser knows inih"
only "$(echo ctl_*.c ctl_*.h cli/*.c cli/*.h)" '^json-c/' "only the control socket and the CLI know json-c"

# Modules that must not know others.
forbid "$(echo strategies/*.c strategies/*.h)" \
	'^(genl|rtnl|diag|loop|sd|engine|engine_priv|model|iface|ctl_.*|daemon.*)\.h$|^netlink/|^ev\.h$' \
	"a strategy is pure: (event, view) -> actions, no I/O"
forbid "model.c model.h" '^(genl|rtnl|diag|loop|sd|engine|iface|ctl_.*|daemon.*|config)\.h$' \
	"the model is plain data"
forbid "$(echo genl*.c genl*.h rtnl.c rtnl.h diag*.c diag*.h nlutil.c nlutil.h)" \
	'^(engine|engine_priv|model|iface|strategies/.*|ctl_server|ctl_priv|daemon.*)\.h$' \
	"the edges hand results up through callbacks the daemon wires"
forbid "$(echo engine*.c engine*.h)" '^(genl|rtnl|diag|loop|sd)\.h$|^netlink/|^linux/mptcp\.h$|^mptcp_uapi\.h$' \
	"the engine gets plain structs; the edges translated already"
forbid "$(echo cli/*.c cli/*.h)" \
	'^(addr|engine|model|iface|config|genl|rtnl|diag|log|daemon|ctl_server|ctl_json|ctl_priv)\.h$' \
	"the CLI shares only the protocol header with the daemon"

# The control socket reads the model; changes go through the engine.
hit=$(grep -nE '\bmodel_(conn_get|conn_del|conn_set_due|subflow_add|subflow_del|subflow_keep_pending|remote_set|remote_del|announced_add|announced_del|local_id|local_id_reserve|pair_get|pair_del)\(' ctl_*.c)
if [ -n "$hit" ]; then
	echo "arch_check: the control socket writes the model: $hit"
	bad=1
fi
hit=$(grep -nE '\biface_(set_runtime[a-z_]*|on_link|on_addr|on_route|reconfigure)\(' ctl_*.c)
if [ -n "$hit" ]; then
	echo "arch_check: the control socket writes the interface table (ask the engine): $hit"
	bad=1
fi

[ "$bad" = 0 ] && echo "arch_check: no forbidden arrow"
exit "$bad"
