#!/usr/bin/env bash
# Benchmark: estimates that learn. On a generated table (orders, N rows, customer_id and amount skewed) a change set
# (NOT NULL column with a backfill, two CREATE INDEX CONCURRENTLY, a validated foreign key, a stored generated column =
# a rewrite) is planned and rehearsed on copy A with the default lock-duration constants; the rehearsal's calibration
# is taken (`pipeline plan --calibration A/rehearsal.json`) to re-plan on copy B, an identical copy, which is then
# rehearsed. Per step it prints the estimate with the default constants, the calibrated estimate, and the duration
# the server observed on B (its journal's clock_timestamp() at the step's start and end); then the median absolute
# estimate error of the size-of-data steps (scan, rewrite, index build, row updates) before and after calibration,
# relative to the observed durations, and their ratio. Baseline = the defaults, in the same run. Figures only.
#
#   bash build/bench-calibration.sh [--rows N] [extra `pipeline rehearse` options, e.g. --max-client-impact 0]
#
# Starts its own throwaway PostgreSQL cluster on a free loopback port (as benchmark.sh) and removes it at the end.
# 3,000,000 rows (the default) take about 15-25 minutes on 2 idle cores, most of it the two backfills; use --rows
# 1000000 for a quicker look.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=3000000
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done

dotnet build src/Pipeline.Cli -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
cli=(dotnet "$PWD/src/Pipeline.Cli/bin/Release/net10.0/pipeline.dll")


bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "error: PostgreSQL server binaries not found (install the postgresql package)" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

data=$(mktemp -d /tmp/pipeline-bench-calibration.XXXXXX)
chmod 755 "$data"; if [ "$(id -u)" = 0 ]; then chown postgres "$data"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'as_pg "$bindir/pg_ctl" -D "$data/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$data"' EXIT

as_pg "$bindir/initdb" -D "$data/db" -A trust -U postgres -E UTF8 --locale=C >/dev/null
as_pg "$bindir/pg_ctl" -D "$data/db" -w -l "$data/log" \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=4GB -c max_connections=50" \
  start >/dev/null
psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
cs() { echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=$1;Timeout=30;Pooling=false"; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
started=$(date +%s)
"${psql[@]}" -d postgres -c "CREATE DATABASE seed"
"${psql[@]}" -d seed <<SQL
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount integer NOT NULL, note text);
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 10000) AS g;
-- Skewed: a few customers hold most orders, small amounts dominate, a third of the notes are NULL.
INSERT INTO orders
SELECT g, 1 + floor(10000 * power(random(), 4))::bigint, floor(1000 * power(random(), 3))::int,
       CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ' || (g % 97) END
FROM generate_series(1, $rows) AS g;
VACUUM ANALYZE customers; VACUUM ANALYZE orders;
SQL
"${psql[@]}" -d postgres -c "CREATE DATABASE a TEMPLATE seed" -c "CREATE DATABASE b TEMPLATE seed"
echo "seeded $rows rows and two copies in $(( $(date +%s) - started )) s"

work="$data/work"; mkdir -p "$work"
cat > "$work/app.schema.yaml" <<'YAML'
version: 1
schemas:
  public:
    tables:
      customers:
        columns:
          - {name: id, type: bigint, nullable: false}
          - {name: name, type: text, nullable: false}
        primaryKey: [id]
      orders:
        columns:
          - {name: id, type: bigint, nullable: false}
          - {name: customer_id, type: bigint, nullable: false}
          - {name: amount, type: integer, nullable: false}
          - {name: note, type: text}
          - {name: amount_cents, type: bigint, nullable: false, backfill: "amount * 100"}
          - {name: customer_x2, type: bigint, generated: customer_id * 2}
        primaryKey: [id]
        indexes:
          - {name: orders_customer_id_idx, columns: [customer_id]}
          - {name: orders_amount_idx, columns: [amount]}
        foreignKeys:
          - {columns: [customer_id], references: {table: customers, columns: [id]}}
YAML

# The rewrite holds ACCESS EXCLUSIVE for seconds: the budgets are lifted, this run measures, it does not judge.
budgets=(--max-access-exclusive 1h --max-write-blocking 1h)
quiet() { "$@" > "$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }; }
quiet "${cli[@]}" plan "$work/app.schema.yaml" --connection "$(cs a)" --out "$work/default" --allow-data-loss
t=$(date +%s); quiet "${cli[@]}" rehearse "$work/default" --connection "$(cs a)" "${budgets[@]}" "${extra[@]}"
echo "rehearsal 1 (copy A, default constants): $(( $(date +%s) - t )) s"
quiet "${cli[@]}" plan "$work/app.schema.yaml" --connection "$(cs b)" --out "$work/default-b" --allow-data-loss
quiet "${cli[@]}" plan "$work/app.schema.yaml" --connection "$(cs b)" --out "$work/calibrated" --allow-data-loss \
  --calibration "$work/default/rehearsal.json"
grep '^Estimates:' "$work/last.log"
t=$(date +%s); quiet "${cli[@]}" rehearse "$work/calibrated" --connection "$(cs b)" "${budgets[@]}" "${extra[@]}"
echo "rehearsal 2 (copy B, calibrated plan): $(( $(date +%s) - t )) s"

fingerprint=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$work/calibrated/plan.json")
"${psql[@]}" -d b -A -t -F '|' -c "SELECT ordinal, extract(epoch FROM finished_at - started_at) * 1000 FROM pipeline.journal_steps
  WHERE plan_fingerprint = '$fingerprint' AND state = 'done' ORDER BY ordinal" > "$work/observed.txt"

python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
default = {s["ordinal"]: s for s in json.load(open(f"{work}/default-b/plan.json"))["steps"]}
calibrated = json.load(open(f"{work}/calibrated/plan.json"))
first = json.load(open(f"{work}/default/rehearsal.json"))
observed = {int(o): float(ms) for o, ms in (line.split("|") for line in open(f"{work}/observed.txt") if line.strip())}
print()
print("calibration from rehearsal 1 (server %s):" % first["calibration"].get("serverVersion"))
for c in first["calibration"]["constants"]:
    print("  %-12s %14.1f %-7s from %d step(s)" % (c["work"], c["value"], c["unit"], c["steps"]))
print()
print("%3s  %-62s %-12s %12s %12s %12s" % ("#", "step", "work", "default ms", "calibr. ms", "observed ms"))
before, after = [], []
for s in calibrated["steps"]:
    o = s["ordinal"]
    if o not in observed:
        continue
    sized = s["work"] != "catalog-only" and s.get("workSize")
    d, c, ms = default[o]["estimatedLockMs"], s["estimatedLockMs"], observed[o]
    print("%3d  %-62s %-12s %12.1f %12.1f %12.1f%s" % (o, s["summary"][:62], s["work"], d, c, ms, "" if sized else "   (catalog)"))
    if sized and ms > 0:
        before.append(abs(d - ms) / ms)
        after.append(abs(c - ms) / ms)
mb, ma = statistics.median(before), statistics.median(after)
print()
print(f"size-of-data steps: {len(before)}")
print(f"median absolute estimate error, default constants:    {mb:7.1%} of observed")
print(f"median absolute estimate error, calibrated constants: {ma:7.1%} of observed   (target: within 30%)")
print(f"ratio calibrated / default: {ma / mb:.2f}" if mb > 0 else "ratio: n/a")
PY
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); total $(( $(date +%s) - started )) s"
