#!/bin/sh
# The drill's stand-in for `systemctl restart orders-api` in disk-full.md: stops the lab's
# orders-api (SIGTERM: it closes its logs, releasing any deleted one) and starts a new one.
lab=${LAB:?LAB is not set: run the setup first}
pid=$(cat "$lab/orders-api.pid" 2>/dev/null)
if [ -n "$pid" ] && (tr '\0' ' ' < "/proc/$pid/cmdline") 2>/dev/null | grep -qF -- "$lab"; then
    kill -TERM "$pid"
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        case "$(ps -o stat= -p "$pid" 2>/dev/null)" in ""|Z*) break ;; esac
        sleep 0.1
    done
fi
python3 lab/disk-full/orders_api.py start --log-dir "$lab/var/log/orders" \
    --pid-file "$lab/orders-api.pid" --lifetime 900 || exit 1
echo "orders-api.service restarted (stand-in): active"
