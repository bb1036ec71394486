# Sourced by the drill of disk-full.md (rehearsal of "Set up the drill lab").
#
# Builds a full "file system" under one temp dir: $LAB/var, a directory with a 42 MiB budget
# (a real small file system, a loop device, would need root). It holds a week of logs of a fake
# `orders-api` whose logrotate config lost its `compress` line, and the service itself, which
# holds its log open and keeps writing. A colleague already ran `rm` on a 5 MB debug log: the
# service still holds it open, so the space is not back. A small `df` put first on PATH
# reports $LAB/var against its budget, counting deleted-but-open files as a real file system
# does. Then it exports what the runbook's steps read. teardown.sh (or janitor.sh) removes it.

LAB=$(mktemp -d "${TMPDIR:-/tmp}/disk-full-lab.XXXXXX") || return 1
# The lab goes when cairn (this shell's parent) goes, even if the walk stops before its
# janitor block runs, or cairn is killed.
echo "$PPID" > "$LAB/owner"
python3 "$(pwd)/lab/common/spawn.py" "$LAB" - sh "$(pwd)/lab/disk-full/janitor.sh" "$LAB"
: > "$LAB/.disk-full-lab"
echo 43008 > "$LAB/budget-kb"
mkdir -p "$LAB/bin" "$LAB/etc/logrotate.d"
cp lab/disk-full/df "$LAB/bin/df" && chmod +x "$LAB/bin/df"
cat > "$LAB/etc/logrotate.d/orders" <<CONF
# orders-api logs (last changed in the deploy of last week)
$LAB/var/log/orders/app.log {
    daily
    rotate 30
    missingok
}
CONF
if ! python3 lab/disk-full/fill.py "$LAB" ||
   ! python3 lab/disk-full/orders_api.py start --log-dir "$LAB/var/log/orders" \
        --pid-file "$LAB/orders-api.pid" --debug-mb 5 --lifetime 900; then
    sh lab/disk-full/teardown.sh "$LAB" >/dev/null 2>&1
    return 1
fi
rm "$LAB/var/log/orders/debug.log"     # what the colleague did: the space stays in use
export LAB
export PATH="$LAB/bin:$PATH"
export MOUNT="$LAB/var"
export LOG_DIR="$LAB/var/log/orders"
export LOG_FILE="$LOG_DIR/app.log"
export LOGROTATE_DIR="$LAB/etc/logrotate.d"
echo "Lab up in $LAB: its file system is $MOUNT, with a budget of 42 MiB."
