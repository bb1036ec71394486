#!/bin/sh
# Started by the drill of disk-full.md as a `background` block. cairn ends background blocks
# when the session ends, however it ends (TERM); this then removes whatever is left of the lab,
# so it never outlives the drill. It also gives up on its own if cairn is gone, or after an hour.
here=$(dirname "$0")
lab=${LAB:-}
[ -n "$lab" ] || { echo "LAB is not set: the setup failed, nothing to watch"; exit 0; }
parent=$PPID
cleanup() {
    # Ignore, do not reset: when cairn ends this block, the shell that leads its terminal dies
    # and the kernel sends SIGHUP to the rest of the group, in the middle of the teardown.
    # An ignored signal stays ignored in the teardown's processes too.
    trap '' EXIT TERM INT HUP
    sh "$here/teardown.sh" "$lab" >/dev/null 2>&1
    exit 0
}
trap cleanup EXIT TERM INT HUP
end=$(( $(date +%s) + 3600 ))
while [ -d "$lab" ] && kill -0 "$parent" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do
    sleep 1 &
    wait $!
done
