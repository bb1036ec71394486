#!/bin/sh
# Removes a drill lab when the drill ends, however it ends.
# Usage: sh janitor.sh LAB_DIR TEARDOWN, where TEARDOWN removes the lab given its directory.
# The runbook starts it as a `background` block: cairn ends background blocks (TERM) when
# the session ends. A setup.sh may also start a copy outside cairn, which waits for the
# process named in LAB_DIR/owner (cairn) to exit, in case cairn itself is killed. Either
# way it gives up after four hours, and it stops once the lab is gone.
dir=$1
teardown=$2
owner=$(cat "$dir/owner" 2>/dev/null)
cleanup() {
  trap '' EXIT TERM INT HUP PIPE    # a second signal must not cut the cleanup short
  sh "$teardown" "$dir" >/dev/null 2>&1
  exit 0
}
trap cleanup EXIT TERM INT HUP
end=$(( $(date +%s) + 4 * 3600 ))
while [ -d "$dir" ] && [ "$(date +%s)" -lt "$end" ] \
  && { [ -z "$owner" ] || kill -0 "$owner" 2>/dev/null; }; do
  sleep 1 &
  wait $!
done
