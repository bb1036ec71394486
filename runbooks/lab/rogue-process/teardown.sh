#!/bin/sh
# Removes the lab of rogue-process.md: kills the fake service's processes and deletes its temp
# dir. Run by the runbook's last step in a drill, and by janitor.sh; safe to run twice.
lab=${1:-${LAB:-}}
if [ -z "$lab" ] || [ ! -f "$lab/.rogue-process-lab" ]; then
    echo "no rogue-process lab to tear down"
    exit 0
fi
# The supervisor leads its own process group, which its workers share. Kill that group only
# if its leader is still ours (its command line names the lab: pids get reused).
if [ -s "$lab/svc.pid" ]; then
    pid=$(cat "$lab/svc.pid")
    if (tr '\0' ' ' < "/proc/$pid/cmdline") 2>/dev/null | grep -qF -- "$lab"; then
        kill -TERM "$pid" 2>/dev/null      # it kills and reaps its workers, then exits
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            case "$(ps -o stat= -p "$pid" 2>/dev/null)" in ""|Z*) break ;; esac
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null
    fi
fi
# Anything else whose command line names the lab (a worker that outlived its group).
for cmdline in /proc/[0-9]*/cmdline; do
    if (tr '\0' ' ' < "$cmdline") 2>/dev/null | grep -qF -- "--state-dir $lab"; then
        pid=${cmdline#/proc/}
        kill -KILL "${pid%/cmdline}" 2>/dev/null
    fi
done
rm -rf -- "$lab"
echo "removed the rogue-process lab at $lab"
