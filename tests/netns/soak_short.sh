#!/bin/bash
# A short soak (bench/soak.sh, about 80 s): churn of short connections
# under backup-cellular, Wi-Fi flaps with the route restored as a network
# manager does, an address change; with the churn frozen the daemon's
# connections are the kernel's, none is left once the kernel has none, and
# no pending subflow outlives the join timeout.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
SOAK_SECONDS=${SOAK_SECONDS:-60} SOAK_RATE=${SOAK_RATE:-100} SOAK_LIFE=${SOAK_LIFE:-1:10} \
SOAK_FLAP_EVERY=15 SOAK_FLAP_DOWN=2 SOAK_ADDR_EVERY=40 SOAK_WARMUP=15 SOAK_DRAIN=10 SOAK_ASSERT=end \
	exec bash "$top_srcdir/bench/soak.sh" "$top_builddir"
