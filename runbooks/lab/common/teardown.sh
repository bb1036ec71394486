#!/bin/sh
# Removes a drill lab: ends its processes and deletes its temp dir.
# Usage: sh teardown.sh LAB_DIR KIND, where the lab's directory is named KIND.XXXXXX (made by
# its setup.sh with mktemp). Anything else is left alone. Safe to run twice, and on a
# half-built lab. Quick (a second at most): the janitor runs it while cairn ends the
# session, and cairn kills what is left of a background block 3 seconds after asking.
lab=$1
kind=$2
case "$lab" in
    */"$kind".*) ;;
    *) echo "teardown: '$lab' is not a $kind lab; leaving it alone" >&2; exit 1 ;;
esac
[ -d "$lab" ] || exit 0
# A process of this lab: its command line names the lab. That never matches a reused pid, nor
# a zombie waiting for init to reap it (a zombie has no command line).
of_lab() {
    tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline" | grep -qF "$lab"
}
pids=
for pidfile in "$lab"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && of_lab "$pid"; then
        pids="$pids $pid"
        kill "$pid" 2>/dev/null
    fi
done
i=0
while [ -n "$pids" ] && [ "$i" -lt 10 ]; do
    left=
    for pid in $pids; do of_lab "$pid" && left="$left $pid"; done
    pids=$left
    [ -n "$pids" ] || break
    sleep 0.1
    i=$((i + 1))
done
for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
rm -rf "$lab"
echo "Removed the lab $lab"
