#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The man pages against the code: every option, configuration key and
# mptcpd-ctl command that the code knows must be documented.
#   - mptcpd's long options (the struct option table in src/args.c) and
#     short options (that table's 'x' values and the getopt_long() option
#     string) each have an entry in man/mptcpd.8;
#   - the configuration keys (the key table in src/config_keys.c, its
#     section macros in src/config_priv.h), [interface] keys included,
#     each have an entry in man/mptcpd.conf.5 and a "key =" line (maybe
#     commented out) in conf/mptcpd.conf, and their sections appear in
#     both;
#   - when src/cli/commands.c and man/mptcpd-ctl.8 both exist, every
#     command of its command table that is not hidden, and mptcpd-ctl's
#     options (src/cli/main.c), have an entry in man/mptcpd-ctl.8.
# "An entry" is the tag line of a .TP or .TQ paragraph, where man pages
# put the things they define; mentioning a word in passing is not enough.
#   - the pages agree with the code where they state what it does: the
#     list of built-in strategies, and that SIGHUP reloads
#     (check_consistency).
# Prints each missing name or contradiction and exits 1 if there is any.  Reads only files
# that are in the release tarball, so it passes under make distcheck too.
set -u

src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
missing=0

# Roff to plain text, one line in, one line out: drop the leading request
# (".B", ".BR", ".BI", ...), font changes (\fB, \f(CW, \f[B]), the
# zero-width \& and \%, quotes; "\-" is a hyphen and "\ " a space.
man_text() {
	sed -e 's/^\.[A-Za-z][A-Za-z]*[[:space:]]*//' \
	    -e 's/\\f\[[^]]*\]//g' -e 's/\\f([A-Za-z][A-Za-z]//g' \
	    -e 's/\\f[A-Za-z0-9]//g' -e 's/\\-/-/g' -e 's/\\[&%]//g' \
	    -e 's/\\ / /g' -e 's/"//g'
}

# The tag lines: the line after each .TP or .TQ request.
man_tags() {
	awk 'tag { print; tag = 0; next } /^\.T[PQ]([[:space:]]|$)/ { tag = 1 }' \
		"$1" | man_text
}

# The body of a C table: from the line that matches $2 (its declaration)
# to the first line that starts with "};".
c_table() {
	awk -v start="$2" '$0 ~ start { on = 1 } on { print } on && /^[[:space:]]*};/ { exit }' "$1"
}

# Long option names: each struct option entry starts with
# { "name", has_arg, flag, val }; the terminating { NULL, ... } has no quote.
long_options() {
	c_table "$1" 'struct option .*\[\][[:space:]]*=' |
		sed -n 's/^[[:space:]]*{[[:space:]]*"\([^"]*\)".*/\1/p'
}

# Short options: the character constant val of a table entry, and every
# letter or digit of the string literal that getopt_long() gets (its ':'
# mark arguments, a leading '+' or '-' changes the scanning mode).
short_options() {
	{
		c_table "$1" 'struct option .*\[\][[:space:]]*=' |
			sed -n "s/^[[:space:]]*{.*,[[:space:]]*'\\([[:alnum:]]\\)'[[:space:]]*}.*/\\1/p"
		sed -n 's/.*getopt_long([^"]*"\([^"]*\)".*/\1/p' "$1" |
			sed 's/[^[:alnum:]]//g; s/./&\n/g'
	} | grep . | sort -u
}

# Does the tag list $1 contain the option $2 ("-f", "--config") as a word
# of its own (not the start of a longer option)?
has_option() {
	printf '%s\n' "$1" |
		grep -Eq -- "(^|[^-[:alnum:]])$2([^-[:alnum:]]|\$)"
}

report() {
	printf 'man_check: %s\n' "$1"
	missing=$((missing + 1))
}

# check_options SOURCE MANPAGE
check_options() {
	tags=$(man_tags "$src/$2")
	for o in $(long_options "$src/$1"); do
		has_option "$tags" "--$o" ||
			report "option --$o ($1) has no entry in $2"
	done
	for o in $(short_options "$src/$1"); do
		has_option "$tags" "-$o" ||
			report "option -$o ($1) has no entry in $2"
	done
}

# Config keys: lines of the form
#   [CONFIG_KEY_X] = { "section", "key", setter, list },
# where the section may be a macro (CONFIG_IFACE); print "section key".
config_keys() {
	sed -n 's/^[[:space:]]*\[CONFIG_KEY_[A-Z0-9_]*\][[:space:]]*=[[:space:]]*{[[:space:]]*\([^,]*\),[[:space:]]*"\([^"]*\)".*/\1 \2/p' \
		"$1" | sed 's/"//g'
}

# A section macro to its string: #define CONFIG_IFACE "interface" (in any
# of the files given after the name).
config_section_name() {
	name=$1
	shift
	case $name in
	[a-z]*) printf '%s\n' "$name" ;;
	*) sed -n "s/^#define[[:space:]]*$name[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$@" ;;
	esac
}

check_config() {
	tags=$(man_tags "$src/man/mptcpd.conf.5")
	mantext=$(man_text <"$src/man/mptcpd.conf.5")
	keys=$(config_keys "$src/src/config_keys.c")
	[ -n "$keys" ] || report "no key table found in src/config_keys.c"
	sections=
	while read -r sec key; do
		[ -n "$key" ] || continue
		# An entry starts "key = value" (or "key=").
		printf '%s\n' "$tags" | grep -Eq "^${key}[[:space:]]*=" ||
			report "key '$key' (src/config_keys.c) has no entry in man/mptcpd.conf.5"
		# The shipped file shows each key, usually commented out.
		grep -Eq "^[#;]?[[:space:]]*${key}[[:space:]]*=" "$src/conf/mptcpd.conf" ||
			report "key '$key' (src/config_keys.c) is missing from conf/mptcpd.conf"
		sections="$sections $(config_section_name "$sec" \
			"$src/src/config_keys.c" "$src/src/config_priv.h")"
	done <<EOF
$keys
EOF
	# "[core]", "[interfaces]", "[interface PATTERN]": the name followed by
	# "]" or by a space and a pattern.
	# shellcheck disable=SC2086 # one section name per word
	for sec in $(printf '%s\n' $sections | sort -u); do
		printf '%s\n' "$mantext" | grep -Eq "\\[$sec(\\]|[[:space:]])" ||
			report "section [$sec] (src/config_keys.c) is missing from man/mptcpd.conf.5"
		grep -Eq "\\[$sec(\\]|[[:space:]])" "$src/conf/mptcpd.conf" ||
			report "section [$sec] (src/config_keys.c) is missing from conf/mptcpd.conf"
	done
}

# mptcpd-ctl commands: the entries of the COMMANDS[] table, which may
# span lines:  { "name", "usage", parse, complete, monitor, hidden },
# Joined into one line and cut at each "}," so that an entry's first
# string is its name and its last field says whether it is hidden.
ctl_commands() {
	c_table "$1" 'commands_def COMMANDS\[\][[:space:]]*=' | sed '1d' |
		tr '\n' ' ' | sed 's/}[[:space:]]*,/}\n/g' |
		sed -n 's/^[[:space:]]*{[[:space:]]*"\([^"]*\)".*,[[:space:]]*\([a-z]*\)[[:space:]]*}.*/\1 \2/p' |
		awk '$2 != "true" { print $1 }'
}

check_ctl() {
	if [ ! -f "$src/src/cli/commands.c" ] || [ ! -f "$src/man/mptcpd-ctl.8" ]; then
		echo "man_check: mptcpd-ctl: src/cli/commands.c or man/mptcpd-ctl.8 absent, not checked"
		return 0
	fi
	tags=$(man_tags "$src/man/mptcpd-ctl.8")
	cmds=$(ctl_commands "$src/src/cli/commands.c")
	[ -n "$cmds" ] || report "no COMMANDS[] table found in src/cli/commands.c"
	for c in $cmds; do
		# The entry starts with the command, maybe after another one
		# ("connections, connection").
		printf '%s\n' "$tags" |
			grep -Eq "(^|,[[:space:]]*)$c([^-[:alnum:]]|\$)" ||
			report "command '$c' (src/cli/commands.c) has no entry in man/mptcpd-ctl.8"
	done
	[ ! -f "$src/src/cli/main.c" ] || check_options src/cli/main.c man/mptcpd-ctl.8
}

# The built-in strategies' names: the registry's table lists
# &strategy_x, and the file that defines strategy_x gives its .name.
builtin_strategies() {
	for v in $(c_table "$src/src/strategies/registry.c" 'strategies_builtin\[\][[:space:]]*=' |
			sed -n 's/^[[:space:]]*&\([a-z_0-9]*\),.*/\1/p'); do
		f=$(grep -l "^const struct mptcpd_strategy $v = " "$src"/src/strategies/*.c)
		[ -n "$f" ] && sed -n "/^const struct mptcpd_strategy $v = /,/^};/p" "$f" |
			sed -n 's/^[[:space:]]*\.name[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p'
	done
}

# A file as plain text, one sentence a line: roff or '#' comments to
# text, joined, cut after each '.' or ';' that ends a clause.
clauses() {
	case $1 in
	*.[0-9]) man_text <"$1" ;;
	*) sed -n 's/^#[[:space:]]*//p' "$1" ;;
	esac | tr '\n' ' ' | sed 's/[.;] /&\n/g'
}

# Statements the code contradicts, in every place that makes them:
#   - each "Built-in:" list names every built-in strategy of the
#     registry, and the pages that name the strategy key have one; no
#     page says there is one built-in strategy;
#   - the daemon reloads on SIGHUP (daemon.c), so no sentence about
#     SIGHUP says "not", no page says a change needs a restart, and the
#     configuration's own pages say SIGHUP reloads.
check_consistency() {
	names=$(builtin_strategies)
	[ "$(printf '%s\n' "$names" | grep -c .)" -ge 2 ] ||
		report "no built-in strategies found in src/strategies/registry.c"
	problems=$(for f in man/mptcpd.8 man/mptcpd.conf.5 conf/mptcpd.conf; do
		text=$(clauses "$src/$f")
		lists=$(printf '%s\n' "$text" | grep -o 'Built-in:.*')
		[ -n "$lists" ] || echo "$f has no \"Built-in:\" list of the strategies"
		printf '%s\n' "$lists" | grep . | while IFS= read -r l; do
			for n in $names; do
				printf '%s\n' "$l" | grep -Eq "(^|[^-[:alnum:]])$n([^-[:alnum:]]|\$)" ||
					echo "$f: \"$l\" lacks the built-in strategy $n"
			done
		done
		printf '%s\n' "$text" | grep -Ei 'the built-in (one|strategy) is|only built-in' |
			sed "s|^|$f: one built-in strategy? |"
	done)
	if grep -q 'SIGHUP' "$src/src/daemon.c"; then
		problems="$problems
$(check_sighup)"
	fi
	while IFS= read -r line; do
		[ -z "$line" ] || report "$line"
	done <<EOF
$problems
EOF
}

check_sighup() {
	for f in man/mptcpd.8 man/mptcpd.conf.5 man/mptcpd-ctl.8 conf/mptcpd.conf README.md; do
		[ -f "$src/$f" ] || continue
		text=$(clauses "$src/$f")
		printf '%s\n' "$text" | grep 'SIGHUP' | grep -Eiw 'not|no longer|restart' |
			sed "s|^|$f: SIGHUP reloads, but: |"
		printf '%s\n' "$text" | grep -Ei '(takes|take) effect (on|when[^.]*) restart' |
			sed "s|^|$f: SIGHUP reloads, but: |"
	done
	for f in man/mptcpd.conf.5 conf/mptcpd.conf; do
		clauses "$src/$f" | grep -q 'SIGHUP' ||
			echo "$f does not say that SIGHUP reloads the file"
	done
}

check_options src/args.c man/mptcpd.8
check_config
check_ctl
check_consistency

if [ "$missing" -ne 0 ]; then
	echo "man_check: $missing undocumented name(s) or contradiction(s)"
	exit 1
fi
echo "man_check: every option, configuration key and command is documented"
exit 0
