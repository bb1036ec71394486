#!/bin/sh
# Removes the lab of disk-full.md: stops its orders-api and deletes its temp dir. Run by the
# runbook's last step in a drill, and by janitor.sh; safe to run twice.
lab=${1:-${LAB:-}}
if [ -z "$lab" ] || [ ! -f "$lab/.disk-full-lab" ]; then
    echo "no disk-full lab to tear down"
    exit 0
fi
# Every process whose command line names the lab (pids get reused: never trust a pid alone).
pids=""
for cmdline in /proc/[0-9]*/cmdline; do
    if (tr '\0' ' ' < "$cmdline") 2>/dev/null | grep -qF -- "--log-dir $lab/"; then
        pid=${cmdline#/proc/}
        pids="$pids ${pid%/cmdline}"
    fi
done
if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        left=""
        for pid in $pids; do
            case "$(ps -o stat= -p "$pid" 2>/dev/null)" in ""|Z*) ;; *) left="$left $pid" ;; esac
        done
        [ -z "$left" ] && break
        sleep 0.1
    done
    [ -n "$left" ] && kill -KILL $left 2>/dev/null
fi
rm -rf -- "$lab"
echo "removed the disk-full lab at $lab"
