#!/usr/bin/env bash
# Benchmark: on a table of several million rows with a concurrent client workload, runs side by side (a) the naive
# statements (ADD COLUMN, single UPDATE backfill, SET NOT NULL, plain CREATE INDEX, FOREIGN KEY validated at once) and
# (b) the tool's plan for the same change through the executor, and prints total wall time, backfill rows/s and the
# clients' throughput, p99 and max latency for each. Figures only; nothing is asserted.
#
#   bash build/benchmark.sh [--rows N] [--clients N] [--rate N] [--batch-size N] [--target-batch-ms N] …   (--help)
#   bash build/benchmark.sh --scenario bigint [--rows N] [--repeat N]   (integer primary key + referencing foreign key
#       moved to bigint: naive ALTER COLUMN TYPE, a rewrite under ACCESS EXCLUSIVE, vs the shadow-column plan)
#
# Starts its own throwaway PostgreSQL cluster on a free loopback port (initdb/pg_ctl as the postgres user when run as
# root; durable settings: fsync and synchronous_commit on, shared_buffers 512MB, max_wal_size 4GB) and removes it at
# the end. Default run (3,000,000 rows, 4 clients) takes a few minutes on 2 cores and ~1 GB of disk in /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."

project=build/bench/Pipeline.Benchmark
dotnet build "$project" -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
app="$project/bin/Release/net10.0/Pipeline.Benchmark.dll"
for arg in "$@"; do
  if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then exec dotnet "$app" --help; fi
done

bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "error: PostgreSQL server binaries not found (install the postgresql package)" >&2; exit 2; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

data=$(mktemp -d /tmp/pipeline-bench.XXXXXX)
chmod 755 "$data"; if [ "$(id -u)" = 0 ]; then chown postgres "$data"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# PIPELINE_BENCH_SERVER_LOG=FILE keeps the server's log (lock waits and autovacuum runs are logged) in FILE.
trap 'as_pg "$bindir/pg_ctl" -D "$data/db" -m immediate stop >/dev/null 2>&1 || true; if [ -n "${PIPELINE_BENCH_SERVER_LOG:-}" ]; then cp "$data/log" "$PIPELINE_BENCH_SERVER_LOG" || true; fi; rm -rf "$data"' EXIT

as_pg "$bindir/initdb" -D "$data/db" -A trust -U postgres -E UTF8 --locale=C >/dev/null
as_pg "$bindir/pg_ctl" -D "$data/db" -w -l "$data/log" \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_wal_size=4GB -c max_connections=50 -c log_lock_waits=on -c log_autovacuum_min_duration=0" \
  start >/dev/null

PIPELINE_BENCH_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Timeout=30" \
  dotnet "$app" "$@"
