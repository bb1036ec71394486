# Sourced by the drill of deleted-data.md (rehearsal of "Set up the drill lab").
#
# Builds the incident under one temp dir: an orders database (customers, products, a few
# hundred orders), last night's and this morning's backups taken with sqlite3 `.backup`, the
# "orders-api" writer appending an order every 0.1 s, and then the mistake: a DELETE meant
# for old cancelled orders that forgot its status condition and wiped most of the orders.
# Then it exports what the runbook's steps read. Everything lives in $LAB; teardown.sh
# removes it.

_lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
LAB=$(mktemp -d "${TMPDIR:-/tmp}/cairn-lab-deleted.XXXXXX") || return 1
# The lab goes when cairn (this shell's parent) goes, even if the walk stops before its
# janitor block runs, or cairn is killed.
echo "$PPID" > "$LAB/owner"
python3 "$_lab_dir/../common/spawn.py" "$LAB" - sh "$_lab_dir/janitor.sh" "$LAB"

(
    set -euo pipefail
    mkdir -p "$LAB/data" "$LAB/backups" "$LAB/recovery"
    db="$LAB/data/orders.db"
    # seed FIRST LAST: the schema and reference data (once), then orders FIRST..LAST of the
    # last 300 days, oldest first; the last ten are from today, a few were cancelled.
    seed() {
        python3 - "$db" "$1" "$2" <<'EOF'
import datetime, random, sqlite3, sys
db, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(first)
conn = sqlite3.connect(db)
if first == 0:
    conn.executescript("""
    PRAGMA journal_mode = WAL;
    CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE);
    CREATE TABLE products (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, price_cents INTEGER NOT NULL);
    CREATE TABLE orders (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      customer_id INTEGER NOT NULL REFERENCES customers(id),
      product_id INTEGER NOT NULL REFERENCES products(id),
      quantity INTEGER NOT NULL,
      total_cents INTEGER NOT NULL,
      status TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX orders_created_at ON orders(created_at);
    """)
    names = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger", "Radia"]
    with conn:
        for i in range(1, 51):
            conn.execute("INSERT INTO customers (name, email) VALUES (?, ?)",
                         (f"{names[i % 10]} {i}", f"customer{i}@example.com"))
        for i in range(1, 21):
            conn.execute("INSERT INTO products (name, price_cents) VALUES (?, ?)", (f"product {i}", 500 + 125 * i))
now = datetime.datetime.now(datetime.timezone.utc)
with conn:
    for i in range(first, last + 1):
        if i < 290:
            created = now - datetime.timedelta(days=300 - i, minutes=rng.randint(0, 600))
        else:
            created = now - datetime.timedelta(hours=2 * (300 - i), minutes=rng.randint(0, 60))
        product, quantity = rng.randint(1, 20), rng.randint(1, 3)
        status = "cancelled" if i % 17 == 0 else rng.choice(["paid", "shipped", "delivered"])
        conn.execute(
            "INSERT INTO orders (customer_id, product_id, quantity, total_cents, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (rng.randint(1, 50), product, quantity, quantity * (500 + 125 * product), status,
             created.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
        )
conn.close()
EOF
    }
    # backup FILE: what the backup job does: an online copy with .backup, switched to
    # rollback-journal mode so that the backup is one self-contained file.
    backup() {
        sqlite3 "$db" ".backup '$1'"
        sqlite3 "$1" 'PRAGMA journal_mode = DELETE' > /dev/null
    }
    seed 0 289
    backup "$LAB/backups/orders-$(date -u -d '-1 day' +%Y%m%dT%H%M%SZ).db"
    touch -d '-1 day' "$LAB"/backups/orders-*.db
    seed 290 299
    backup "$LAB/backups/orders-$(date -u +%Y%m%dT%H%M%SZ).db"

    # The API keeps writing orders.
    python3 "$_lab_dir/writer.py" "$db" "$LAB/writer.pid" --daemon
    sleep 1

    # The mistake. Meant: delete cancelled orders older than a day. Ran without the status.
    cutoff=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
    echo "DELETE FROM orders WHERE created_at < '$cutoff';  -- AND status = 'cancelled' forgotten" \
        > "$LAB/mistake.sql"
    sqlite3 -cmd '.timeout 5000' "$db" "DELETE FROM orders WHERE created_at < '$cutoff';"
    sleep 0.7    # the writer goes on; someone notices the orders page is nearly empty
)
if [ $? -eq 0 ]; then
    export LAB
    export DB="$LAB/data/orders.db"
    export BACKUP_DIR="$LAB/backups"
    export RECOVERY_DIR="$LAB/recovery"
    export INCIDENT_NOTES="$LAB/incident-notes.md"
    echo "Lab ready in $LAB"
    echo "orders-api (pid $(cat "$LAB/writer.pid")) is writing to $DB"
    echo "the mistake: $(cat "$LAB/mistake.sql")"
else
    echo "The lab could not be set up; removing it." >&2
    sh "$_lab_dir/teardown.sh" "$LAB"
    unset _lab_dir
    return 1
fi
unset _lab_dir
