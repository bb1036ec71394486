# Sourced by the drill of bad-feature-flag.md (rehearsal of "Set up the drill lab").
#
# Builds the incident under one temp dir: two releases of the checkout service (1.4.2 and
# 1.5.0, with `current` pointing at 1.5.0), a flags file, and the service itself on a free
# port of 127.0.0.1. It sends some traffic with the flag `new_checkout` off (all 200), turns
# the flag on, and sends more (every third cart fails with 500). Then it exports what the
# runbook's steps read. Everything lives in $LAB; teardown.sh removes it.

_lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
LAB=$(mktemp -d "${TMPDIR:-/tmp}/cairn-lab-flag.XXXXXX") || return 1
# The lab goes when cairn (this shell's parent) goes, even if the walk stops before its
# janitor block runs, or cairn is killed.
echo "$PPID" > "$LAB/owner"
python3 "$_lab_dir/../common/spawn.py" "$LAB" - sh "$_lab_dir/janitor.sh" "$LAB"

(
    set -euo pipefail
    mkdir -p "$LAB/releases" "$LAB/log" "$LAB/etc" "$LAB/tmp"
    for version in 1.4.2 1.5.0; do
        mkdir "$LAB/releases/$version"
        cp "$_lab_dir/app.py" "$LAB/releases/$version/app.py"
    done
    echo '{"version": "1.4.2", "new_checkout": false}' > "$LAB/releases/1.4.2/release.json"
    echo '{"version": "1.5.0", "new_checkout": true}' > "$LAB/releases/1.5.0/release.json"
    ln -s 1.5.0 "$LAB/releases/current"
    printf '{\n  "dark_mode": true,\n  "new_checkout": false\n}\n' > "$LAB/etc/flags.json"

    export LAB_FLAGS="$LAB/etc/flags.json" LAB_ACCESS_LOG="$LAB/log/access.log" \
        LAB_ERROR_LOG="$LAB/log/error.log" LAB_PORT_FILE="$LAB/checkout.port" \
        LAB_PID_FILE="$LAB/checkout.pid"
    python3 "$LAB/releases/current/app.py" --daemon
    base="http://127.0.0.1:$(cat "$LAB/checkout.port")"

    traffic() {  # carts $1..$2, as users would ask for them
        python3 - "$base" "$1" "$2" <<'EOF'
import sys, urllib.request, urllib.error
base, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for cart in range(first, last + 1):
    try:
        urllib.request.urlopen(f"{base}/api/cart/{cart}/total", timeout=5).read()
    except urllib.error.HTTPError:
        pass
EOF
    }
    traffic 1 45            # release 1.5.0 is out, the flag is off: all fine
    sleep 1.2
    # Someone turns the flag on (the flag tool writes the file atomically).
    printf '{\n  "dark_mode": true,\n  "new_checkout": true\n}\n' > "$LAB/etc/flags.json.new"
    mv "$LAB/etc/flags.json.new" "$LAB/etc/flags.json"
    sleep 0.3
    traffic 46 135          # every third cart now fails
)
if [ $? -eq 0 ]; then
    export LAB
    export BASE_URL="http://127.0.0.1:$(cat "$LAB/checkout.port")"
    export FLAGS_FILE="$LAB/etc/flags.json"
    export ACCESS_LOG="$LAB/log/access.log"
    export ERROR_LOG="$LAB/log/error.log"
    export RELEASES_DIR="$LAB/releases"
    export INCIDENT_NOTES="$LAB/incident-notes.md"
    export TMPDIR="$LAB/tmp"    # scratch files the steps make land in the lab too
    echo "Lab ready in $LAB"
    echo "checkout $(curl -s "$BASE_URL/version") listening on $BASE_URL"
    echo "new_checkout turned on at $(date -u -r "$FLAGS_FILE" +%H:%M:%S); errors since then"
else
    echo "The lab could not be set up; removing it." >&2
    sh "$_lab_dir/teardown.sh" "$LAB"
    unset _lab_dir
    return 1
fi
unset _lab_dir
