# The drill's stand-in for `systemctl start orders-api`: start the lab's writer again.
here=$(dirname "$0")
python3 "$here/writer.py" "${DB:?}" "${LAB:?}/writer.pid" --daemon || exit 1
echo "Started orders-api (pid $(cat "$LAB/writer.pid"))"
