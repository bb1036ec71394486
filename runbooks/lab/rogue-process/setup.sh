# Sourced by the drill of rogue-process.md (rehearsal of "Set up the drill lab").
#
# Starts a fake "orders" service under one temp dir: a supervisor (`orders-svc`) with three
# workers (`orders-worker`). Worker 3 goes rogue: it spins on a CPU, grows to about 130 MB
# and ignores SIGTERM. Then it exports what the runbook's steps read, pointing them at the
# lab. teardown.sh (or janitor.sh, when the session ends) removes it all.

if pgrep -x orders-worker >/dev/null 2>&1; then
    echo "Processes named orders-worker are already running (another drill of this runbook?)." >&2
    echo "Finish that drill first: this one would find and stop its rogue worker." >&2
    return 1
fi
LAB=$(mktemp -d "${TMPDIR:-/tmp}/rogue-process-lab.XXXXXX") || return 1
# The lab goes when cairn (this shell's parent) goes, even if the walk stops before its
# janitor block runs, or cairn is killed.
echo "$PPID" > "$LAB/owner"
python3 "$(pwd)/lab/common/spawn.py" "$LAB" - sh "$(pwd)/lab/rogue-process/janitor.sh" "$LAB"
: > "$LAB/.rogue-process-lab"
if ! python3 lab/rogue-process/service.py start --state-dir "$LAB" \
        --workers 3 --rogue 3 --max-mb 120 --lifetime 900; then
    sh lab/rogue-process/teardown.sh "$LAB" >/dev/null 2>&1
    return 1
fi
export LAB
export SERVICE=orders-worker
export HEALTH_URL="http://127.0.0.1:$(cat "$LAB/port")/healthz"
export EVIDENCE_DIR="$LAB/evidence"
export CPU_LIMIT=25     # %CPU: low, so a busy laptop still shows the rogue above it
export RSS_LIMIT_MB=80
export GRACE=3
sleep 1                 # let the rogue burn long enough to stand out in ps and top
echo "Lab up in $LAB: orders-svc runs 3 workers; one of them has gone rogue."
