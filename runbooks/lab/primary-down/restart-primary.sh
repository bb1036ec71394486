#!/bin/sh
# The drill's stand-in for starting the old primary's host and service again: orders-a
# comes back on its old port, with the data it had when it died, as a read-only standby
# that replicates nothing until it is told whom to follow.
here=$(dirname "$0")
python3 "$here/../common/spawn.py" "$LAB_DIR" orders-a \
  python3 "$here/node.py" --dir "$LAB_DIR" --name orders-a --role standby \
  --port "$(cat "$LAB_DIR/orders-a.port")"
for _ in $(seq 50); do
  curl -fs --max-time 1 "$PRIMARY_URL/health" >/dev/null && break
  sleep 0.1
done
echo "(lab) orders-a is running again, read-only."
