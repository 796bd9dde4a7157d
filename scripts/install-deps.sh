#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine of this kind:
# PostgreSQL 15 server binaries, the Python clients (psycopg2, psycopg 3,
# SQLAlchemy, pandas, asyncpg, pyodbc, FastAPI and uvicorn), psqlODBC and unixODBC, pgcli, R with
# RPostgreSQL, pgjdbc, and npm packages.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(postgresql-15 postgresql-client-15 python3-psycopg2 python3-psycopg python3-sqlalchemy
      python3-pandas python3-sklearn python3-asyncpg python3-pyodbc odbc-postgresql unixodbc
      pgcli r-cran-rpostgresql python3-fastapi python3-uvicorn libpostgresql-jdbc-java curl)
missing=()
for p in "${debs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d internal/clienttest/testdata/node/node_modules ] && [ -f internal/clienttest/testdata/node/package-lock.json ]; then
  echo "installing npm packages for the node-postgres tests"
  npm ci --prefix internal/clienttest/testdata/node --no-audit --no-fund --loglevel=error
fi

if [ ! -d internal/parquettest/testdata/duckdb/node_modules ] && [ -f internal/parquettest/testdata/duckdb/package-lock.json ]; then
  echo "installing DuckDB (npm) for the parquet tests"
  npm ci --prefix internal/parquettest/testdata/duckdb --no-audit --no-fund --loglevel=error
fi

if ! command -v staticcheck >/dev/null 2>&1 && [ ! -x "$(go env GOPATH)/bin/staticcheck" ]; then
  echo "installing staticcheck"
  go install honnef.co/go/tools/cmd/staticcheck@v0.7.0
fi
