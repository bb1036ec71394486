#!/bin/sh
# The drill's stand-in for the client's owner: they stop the runaway job, so from now on
# the noisy client sends a trickle.
pid=$(cat "$LAB_DIR/load.pid")
grep -qF "$LAB_DIR" "/proc/$pid/cmdline" 2>/dev/null && kill -USR1 "$pid"
echo "(lab) The owner of $OFFENDER has stopped the runaway job."
