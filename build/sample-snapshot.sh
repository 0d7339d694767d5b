#!/usr/bin/env bash
# Regenerates schema/production.snapshot.json: loads schema/production.sql (the sample's "production" schema and
# seed data) into a throwaway PostgreSQL cluster and runs `pipeline snapshot` against it. Needs PostgreSQL's server
# binaries; runs initdb/pg_ctl as the postgres user when started as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

data=$(mktemp -d /tmp/pipeline-sample.XXXXXX)
chmod 755 "$data"; [ "$(id -u)" = 0 ] && chown postgres "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'as_pg "$bindir/pg_ctl" -D "$data/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$data"' EXIT

as_pg "$bindir/initdb" -D "$data/db" -A trust -U postgres >/dev/null
as_pg "$bindir/pg_ctl" -D "$data/db" -w -l "$data/log" -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE shop"
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d shop -f schema/production.sql
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d shop -c "ANALYZE"
PIPELINE_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Database=shop" \
  dotnet run --project src/Pipeline.Cli -- snapshot --out schema/production.snapshot.json
