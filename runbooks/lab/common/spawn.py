#!/usr/bin/env python3
"""spawn.py LAB_DIR NAME COMMAND...: starts a lab process in a session of its own, so that
it outlives the cairn block that started it and the terminal's signals do not reach it.
Its pid goes to LAB_DIR/NAME.pid (for teardown.sh), its output to LAB_DIR/NAME.log. With
NAME "-" it leaves no pid file and no log."""

import subprocess
import sys

lab, name, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
log_path = f"{lab}/{name}.log" if name != "-" else "/dev/null"
with open(log_path, "ab") as log:
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                               start_new_session=True)
if name != "-":
    with open(f"{lab}/{name}.pid", "w") as pid:
        pid.write(f"{process.pid}\n")
