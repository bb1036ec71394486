# The drill's stand-in for `systemctl stop orders-api`: the lab has no systemd, so send the
# writer SIGTERM (it finishes the order in hand) and wait until it is gone.
pidfile=${LAB:?}/writer.pid
pid=$(cat "$pidfile" 2>/dev/null)
if [ -z "$pid" ] || ! tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -qF "$LAB"; then
    echo "orders-api is not running"
    exit 0
fi
kill "$pid"
i=0
while tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -qF "$LAB"; do
    i=$((i + 1))
    [ "$i" -le 50 ] || { echo "orders-api (pid $pid) did not stop" >&2; exit 1; }
    sleep 0.1
done
rm "$pidfile"
echo "Stopped orders-api (pid $pid)"
