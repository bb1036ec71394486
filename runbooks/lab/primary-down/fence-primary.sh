#!/bin/sh
# The drill's stand-in for fencing the old primary: in the lab it is already dead (the
# setup killed it), so this only proves that its process is gone.
pid=$(cat "$LAB_DIR/orders-a.pid")
if grep -qF "$LAB_DIR" "/proc/$pid/cmdline" 2>/dev/null; then
  echo "(lab) orders-a is still running (pid $pid): not fenced" >&2
  exit 1
fi
echo "(lab) orders-a's process is gone: fenced."
