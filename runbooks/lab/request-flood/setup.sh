# Sourced by the runbook's first step in a drill: starts the lab's API server and its
# traffic (one noisy client among quiet ones), waits until the flood shows, and exports
# what the later steps use. Everything lives in one temp dir; janitor.sh removes it.

LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/request-flood-lab.XXXXXX") || return 1
lab_here=$(cd lab/request-flood && pwd) || return 1

# The lab goes when cairn (this shell's parent) goes, even if cairn is killed.
echo "$PPID" > "$LAB_DIR/owner"
python3 "$lab_here/../common/spawn.py" "$LAB_DIR" - sh "$lab_here/janitor.sh" "$LAB_DIR"

cat > "$LAB_DIR/client-limits.conf" <<'CONF'
# Per-client limits of the API, read at start and on reload (SIGHUP).
# client      action   rate (requests per second)
CONF
python3 "$lab_here/../common/spawn.py" "$LAB_DIR" server python3 "$lab_here/server.py" --dir "$LAB_DIR"
for _ in $(seq 50); do [ -s "$LAB_DIR/port" ] && break; sleep 0.1; done
if [ ! -s "$LAB_DIR/port" ]; then
  echo "The lab's server did not start:" >&2
  cat "$LAB_DIR/server.log" >&2
  sh "$lab_here/teardown.sh" "$LAB_DIR"
  return 1
fi
export LAB_DIR
export SERVICE_URL="http://127.0.0.1:$(cat "$LAB_DIR/port")"
export ACCESS_LOG="$LAB_DIR/access.log"
export LIMITS_FILE="$LAB_DIR/client-limits.conf"
python3 "$lab_here/../common/spawn.py" "$LAB_DIR" load python3 "$lab_here/load.py" --url "$SERVICE_URL" --dir "$LAB_DIR"
sleep 2
unset lab_here
echo "Lab up in $LAB_DIR: the API listens on $SERVICE_URL and one client is flooding it."
