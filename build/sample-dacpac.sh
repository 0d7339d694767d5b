#!/usr/bin/env bash
# Regenerates schema/sqlserver/production.dacpac from schema/sqlserver/production.sql with DacFx (offline; no SQL
# Server needed), the way an SSDT / SDK-style SQL project's build produces its dacpac.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project build/sample-dacpac -v q -- schema/sqlserver/production.sql schema/sqlserver/production.dacpac
