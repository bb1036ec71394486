#!/bin/sh
# Removes the primary-down lab: ends its processes and deletes its temp dir. Safe to run
# twice, and only ever touches a directory made by setup.sh.
dir=${1:-$LAB_DIR}
case "$dir" in
  */primary-down-lab.*) ;;
  *) echo "not a primary-down lab: '$dir'" >&2; exit 0 ;;
esac
[ -d "$dir" ] || exit 0
signal_all() {
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    # Only a process whose command line names this lab: a pid can be reused.
    grep -qF "$dir" "/proc/$pid/cmdline" 2>/dev/null && kill "$1" "$pid" 2>/dev/null
  done
}
signal_all -TERM
sleep 0.3
signal_all -KILL
rm -rf "$dir"
echo "Lab removed: $dir"
