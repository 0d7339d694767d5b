#!/usr/bin/env bash
# Benchmark: `pipeline staging create` (a synthetic copy from a snapshot's statistics) against
# `pg_dump -Fc | pg_restore` of the same table (a true copy), in one run, plus the copy's fidelity.
#
#   bash build/bench-staging.sh [--rows N] [--cli DIR] [--keep]
#
# Publishes the CLI (Release) and starts its own throwaway PostgreSQL cluster on a free loopback port (initdb/pg_ctl as
# the postgres user when run as root), removed at the end. Creates build/bench/staging-table.sql's table `events`
# (default 3,000,000 rows: a power-law account_id, a skewed enum, NULL-heavy amount/note/session, an ordered
# timestamp, two secondary indexes, a CHECK) in database `prod` and ANALYZEs it; then
#   pipeline snapshot --with-stats              the statistics (no rows)
#   pg_dump -Fc prod | pg_restore     the baseline: a true copy into database `dumped`
#   pipeline staging create --from SNAPSHOT     the synthetic copy into database `staging`
# and prints rows/s of both (wall time of the whole command, so both include index builds and constraints; the
# synthesis's load-only rate as the CLI reports it), the ratio, and the fidelity of the synthetic copy after ANALYZE,
# each side read from its own pg_stats: worst null_frac difference, worst n_distinct difference, worst difference of
# a most common value's frequency, table size ratio. Prints the load average before and after.
# Target: synthesis >= 200,000 rows/s. Figures only; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=3000000
cli=""
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --cli) cli=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; exit 2 ;;
  esac
done

bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "error: PostgreSQL server binaries not found (install the postgresql package)" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

work=$(mktemp -d /tmp/pipeline-bench-staging.XXXXXX)
chmod 755 "$work"; if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
cleanup() {
  as_pg "$bindir/pg_ctl" -D "$work/db" -m immediate stop >/dev/null 2>&1 || true
  if [ "$keep" = true ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
unset PIPELINE_CONNECTION PIPELINE_STAGING_CONNECTION

if [ -z "$cli" ]; then
  echo "Publishing the CLI (Release, as this machine's tool package is: self-contained composite ReadyToRun on linux-x64)..."
  rid=()
  if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then rid=(-r linux-x64); fi
  dotnet publish src/Pipeline.Cli -c Release "${rid[@]}" -o "$work/cli" --nologo -v quiet -clp:ErrorsOnly >/dev/null
  cli="$work/cli"
fi
[ -f "$cli/pipeline.dll" ] || { echo "error: $cli/pipeline.dll not found" >&2; exit 2; }
# A self-contained CLI folder (linux-x64) runs through its apphost, a portable one through `dotnet pipeline.dll`.
pipeline() { if [ -x "$cli/pipeline" ]; then "$cli/pipeline" "$@"; else dotnet "$cli/pipeline.dll" "$@"; fi; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$bindir/initdb" -D "$work/db" -A trust -U postgres -E UTF8 --locale=C >/dev/null
as_pg "$bindir/pg_ctl" -D "$work/db" -w -l "$work/log" \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_wal_size=4GB" \
  start >/dev/null
psql_() { "$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }
connection() { echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=$1;Timeout=30;Command Timeout=0"; }
now() { date +%s.%N; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Creating production: events, $rows rows..."
for db in prod dumped staging; do psql_ -d postgres -c "CREATE DATABASE $db" >/dev/null; done
psql_ -d prod -v rows="$rows" -f build/bench/staging-table.sql >/dev/null
psql_ -d prod -c "ANALYZE" >/dev/null

pipeline snapshot --with-stats -o "$work/prod.snapshot.json" --connection "$(connection prod)" >/dev/null

# CPU seconds of the cluster's server processes so far: the postmaster's own and its reaped children's, plus the
# live children's (user + system). On a shared machine CPU seconds are steadier than wall time.
server_cpu() {
  local pm ticks
  pm=$(head -n 1 "$work/db/postmaster.pid"); ticks=$(getconf CLK_TCK)
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat"
    for child in $(ps -o pid= --ppid "$pm"); do awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || true; done
  } | awk -v t="$ticks" '{s += $1} END {printf "%.2f", s / t}'
}
TIMEFORMAT='%U %S'
c0=$(server_cpu); t0=$(now)
{ time { "$bindir/pg_dump" -h 127.0.0.1 -p "$port" -U postgres -Fc prod | "$bindir/pg_restore" -h 127.0.0.1 -p "$port" -U postgres -d dumped 2>"$work/restore.err" || { cat "$work/restore.err" >&2; exit 1; }; }; } 2>"$work/dump.cpu"
t1=$(now); c1=$(server_cpu)
{ time PIPELINE_STAGING_CONNECTION="$(connection staging)" pipeline staging create --from "$work/prod.snapshot.json" > "$work/staging.out"; } 2>"$work/staging.cpu"
t2=$(now); c2=$(server_cpu)
cpu="$(awk '{print $1 + $2}' "$work/dump.cpu") $(awk '{print $1 + $2}' "$work/staging.cpu") $(awk -v a="$c0" -v b="$c1" -v c="$c2" 'BEGIN {print b - a, c - b}')"
psql_ -d staging -c "ANALYZE" >/dev/null

stats_sql="SELECT attname, null_frac, CASE WHEN n_distinct < 0 THEN -n_distinct * (SELECT reltuples FROM pg_class WHERE oid = 'events'::regclass) ELSE n_distinct END,
  coalesce(array_to_string(most_common_vals::text::text[], chr(31)), ''), coalesce(array_to_string(most_common_freqs, chr(31)), '')
  FROM pg_stats WHERE tablename = 'events' ORDER BY attname"
psql_ -d prod -A -t -F $'\t' -c "$stats_sql" > "$work/prod.stats"
psql_ -d staging -A -t -F $'\t' -c "$stats_sql" > "$work/staging.stats"
sizes="$(psql_ -d prod -A -t -F ' ' -c "SELECT pg_table_size('events'), pg_total_relation_size('events')") $(psql_ -d staging -A -t -F ' ' -c "SELECT pg_table_size('events'), pg_total_relation_size('events'), count(*) FROM events")"
dumped_rows=$(psql_ -d dumped -A -t -c "SELECT count(*) FROM events")

python3 - "$work/prod.stats" "$work/staging.stats" "$t0" "$t1" "$t2" "$rows" "$dumped_rows" "$sizes" "$work/staging.out" "$cpu" <<'PY'
import sys
prod_file, stag_file, t0, t1, t2, rows, dumped, sizes, out, cpu = sys.argv[1:]
dump_client, stag_client, dump_server, stag_server = [float(x) for x in cpu.split()]
t0, t1, t2 = float(t0), float(t1), float(t2)
def read(path):
    result = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        vals = f[3].split("\x1f") if f[3] else []
        freqs = [float(x) for x in f[4].split("\x1f")] if f[4] else []
        result[f[0]] = (float(f[1]), float(f[2]), dict(zip(vals, freqs)))
    return result
p, s = read(prod_file), read(stag_file)
worst_null = worst_nd = worst_mcv = 0.0
worst_nd_col = ""
for col, (pn, pd, pm) in p.items():
    sn, sd, sm = s.get(col, (1, 0, {}))
    worst_null = max(worst_null, abs(pn - sn))
    nd = abs(pd - sd) / pd if pd > 20 else (0 if round(pd) == round(sd) else 1)
    if nd >= worst_nd:
        worst_nd, worst_nd_col = nd, f"{col}: production {pd:,.0f}, staging {sd:,.0f}"
    for v, f in pm.items():
        worst_mcv = max(worst_mcv, abs(f - sm.get(v, 0)))
pt, ptot, st, stot, srows = [float(x) for x in sizes.split()]
dump_s, synth_s = t1 - t0, t2 - t1
load_line = [l for l in open(out) if l.startswith("Staging database built")]
phase_line = [l for l in open(out) if l.startswith("Phases")]
print()
print(f"pg_dump -Fc | pg_restore (baseline): {int(dumped):,} rows in {dump_s:.1f} s = {int(dumped) / dump_s:,.0f} rows/s")
print(f"pipeline staging create:             {int(srows):,} rows in {synth_s:.1f} s = {srows / synth_s:,.0f} rows/s  (ratio to baseline {dump_s / synth_s:.2f}x; target >= 200,000 rows/s)")
print(f"CPU seconds (client / server): baseline {dump_client:.1f} / {dump_server:.1f}, staging create {stag_client:.1f} / {stag_server:.1f} "
      f"(ratio of totals {(dump_client + dump_server) / max(0.01, stag_client + stag_server):.2f}x; on an idle 2-core machine the wall time is at least half the total)")
if load_line:
    print("  " + load_line[0].strip())
if phase_line:
    print("  " + phase_line[0].strip())
print(f"fidelity after ANALYZE (each side's own pg_stats): worst null_frac difference {worst_null:.4f} (<= 0.02), "
      f"worst n_distinct difference {worst_nd:.1%} ({worst_nd_col}; <= 10%), worst most-common-value frequency difference {worst_mcv:.4f} (<= 0.02), "
      f"table size {st / pt:.3f}x, with indexes {stot / ptot:.3f}x (within 15%)")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
