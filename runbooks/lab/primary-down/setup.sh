# Sourced by the runbook's first step in a drill: starts the "orders" primary (orders-a),
# its standby (orders-b, copying the primary's data twice a second), the router clients
# use, and an application writing through it; then kills the primary (kill -9) and exports
# what the later steps use. Everything lives in one temp dir; janitor.sh removes it.

LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/primary-down-lab.XXXXXX") || return 1
lab_here=$(cd lab/primary-down && pwd) || return 1

lab_wait_for() {  # a file, for up to 5 s
  for _ in $(seq 50); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "The lab did not start ($1 is missing); its logs:" >&2
  tail -n 5 "$LAB_DIR"/*.log >&2
  sh "$lab_here/teardown.sh" "$LAB_DIR"
  return 1
}

# The lab goes when cairn (this shell's parent) goes, even if cairn is killed.
echo "$PPID" > "$LAB_DIR/owner"
python3 "$lab_here/../common/spawn.py" "$LAB_DIR" - sh "$lab_here/janitor.sh" "$LAB_DIR"

python3 "$lab_here/../common/spawn.py" "$LAB_DIR" orders-a \
  python3 "$lab_here/node.py" --dir "$LAB_DIR" --name orders-a --role primary
lab_wait_for "$LAB_DIR/orders-a.port" || return 1
PRIMARY_URL="http://127.0.0.1:$(cat "$LAB_DIR/orders-a.port")"
python3 "$lab_here/../common/spawn.py" "$LAB_DIR" orders-b \
  python3 "$lab_here/node.py" --dir "$LAB_DIR" --name orders-b --role standby --upstream "$PRIMARY_URL"
lab_wait_for "$LAB_DIR/orders-b.port" || return 1
STANDBY_URL="http://127.0.0.1:$(cat "$LAB_DIR/orders-b.port")"
echo "$PRIMARY_URL" > "$LAB_DIR/active-backend"
python3 "$lab_here/../common/spawn.py" "$LAB_DIR" router python3 "$lab_here/router.py" --dir "$LAB_DIR"
lab_wait_for "$LAB_DIR/router.port" || return 1
ROUTER_URL="http://127.0.0.1:$(cat "$LAB_DIR/router.port")"
python3 "$lab_here/../common/spawn.py" "$LAB_DIR" writer \
  python3 "$lab_here/writer.py" --url "$ROUTER_URL" --dir "$LAB_DIR"

# Let some orders reach the standby, then take the primary down hard.
for _ in $(seq 50); do
  seq=$(curl -s --max-time 1 "$STANDBY_URL/health" | sed -nE 's/.*"seq": ([0-9]+).*/\1/p')
  [ "${seq:-0}" -ge 5 ] && break
  sleep 0.1
done
kill -KILL "$(cat "$LAB_DIR/orders-a.pid")"
sleep 0.6

mkdir -p "$LAB_DIR/backups"
export LAB_DIR PRIMARY_URL STANDBY_URL ROUTER_URL
export ROUTE_FILE="$LAB_DIR/active-backend"
export ROUTER_LOG="$LAB_DIR/router-access.log"
export BACKUP_DIR="$LAB_DIR/backups"
unset -f lab_wait_for
unset lab_here seq
echo "Lab up in $LAB_DIR: the primary orders-a ($PRIMARY_URL) has just died;"
echo "the standby orders-b is $STANDBY_URL, clients use the router at $ROUTER_URL."
