#!/bin/sh
# Removes the lab when the drill ends, however it ends. The runbook starts it as a
# `background` block: cairn ends background blocks (TERM) when the session ends. setup.sh
# also starts a copy of its own, outside cairn, that waits for cairn (the process that
# ran the setup) to exit, in case cairn itself is killed. Either way it gives up after
# four hours, and it stops once the lab is gone.
here=$(dirname "$0")
dir=${1:-$LAB_DIR}
owner=$(cat "$dir/owner" 2>/dev/null)
cleanup() {
  trap '' EXIT TERM INT HUP PIPE
  sh "$here/teardown.sh" "$dir" >/dev/null 2>&1
  exit 0
}
trap cleanup EXIT TERM INT HUP
end=$(( $(date +%s) + 4 * 3600 ))
while [ -d "$dir" ] && [ "$(date +%s)" -lt "$end" ] \
  && { [ -z "$owner" ] || kill -0 "$owner" 2>/dev/null; }; do
  sleep 1 &
  wait $!
done
