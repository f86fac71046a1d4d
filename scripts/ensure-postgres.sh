#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 and that the database named by
# DATABASE_URL exists. Starts a stopped cluster; installs PostgreSQL with apt-get when it is
# missing and we are root. Sourced by scripts/run.sh and scripts/test.sh.
set -euo pipefail

PGHOST_ADDR=127.0.0.1
PGPORT_NUM=5432
# With trust auth the password is ignored; on a fresh install we set it (see below).
: "${DATABASE_URL:=postgres://postgres:postgres@${PGHOST_ADDR}:${PGPORT_NUM}/ent_bot}"
: "${TEST_DATABASE_URL:=postgres://postgres:postgres@${PGHOST_ADDR}:${PGPORT_NUM}/postgres}"
export DATABASE_URL TEST_DATABASE_URL
# sqlx's query macros check statements against DATABASE_URL when it is set, and that
# database may not be migrated yet: build from the committed .sqlx/ instead (README, "Tests").
export SQLX_OFFLINE="${SQLX_OFFLINE:-true}"

say() { echo "ensure-postgres: $*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sudo -u postgres sh -c "$*"; fi; }

answering() { pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT_NUM" 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! command -v pg_isready >/dev/null 2>&1; then
    say "PostgreSQL is not installed; installing it with apt-get"
    if ! as_root true; then
        say "run as root, or install PostgreSQL yourself: apt-get install postgresql"; exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq postgresql >/dev/null
fi

if ! answering; then
    if command -v pg_lsclusters >/dev/null 2>&1; then
        if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
            ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
            say "no cluster found; creating $ver/main"
            as_root pg_createcluster "$ver" main >/dev/null
        fi
        pg_lsclusters -h | while read -r ver name port status _; do
            if [ "$status" != "online" ]; then
                say "starting cluster $ver/$name (port $port)"
                as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start || true
            fi
        done
    fi
    for _ in $(seq 1 30); do answering && break; sleep 1; done
    answering || { say "PostgreSQL does not answer on $PGHOST_ADDR:$PGPORT_NUM"; exit 1; }
fi

# A fresh Debian cluster asks TCP clients for a password; give the postgres role the one our
# default URLs carry. Clusters with trust auth (CI machines) never get here.
if ! psql "$TEST_DATABASE_URL" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    if as_postgres "psql -q -c \"ALTER ROLE postgres PASSWORD 'postgres'\"" >/dev/null 2>&1; then
        say "set the local postgres role's password for development"
    fi
    psql "$TEST_DATABASE_URL" -Atqc 'SELECT 1' >/dev/null || {
        say "cannot log in with TEST_DATABASE_URL=$TEST_DATABASE_URL"; exit 1; }
fi

# The application database (for `ent-bot serve`).
dbname=$(basename "${DATABASE_URL%%\?*}")
if ! psql "$TEST_DATABASE_URL" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$dbname'" | grep -q 1; then
    psql "$TEST_DATABASE_URL" -q -c "CREATE DATABASE \"$dbname\"" && say "created database $dbname"
fi
