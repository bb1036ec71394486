# Started by the drill of deleted-data.md as a `background` block. cairn ends background
# blocks when the session ends, however it ends; then (or when the lab is already gone)
# this removes whatever is left of the lab, so it never outlives the drill.
here=$(dirname "$0")
lab=${LAB:?LAB is not set: run the setup first}
cleanup() {
    trap '' TERM INT HUP    # a second signal must not cut the cleanup short
    sh "$here/teardown.sh" "$lab" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP
while [ -d "$lab" ]; do
    sleep 1
done
