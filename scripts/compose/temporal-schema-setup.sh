#!/bin/sh
# One-shot (service temporal-schema, image temporalio/admin-tools): creates
# Temporal's two Postgres databases and brings their schemas to this
# server's version with temporal-sql-tool. Every step is idempotent (create
# ignores an existing database, setup-schema -v 0.0 keeps a newer version,
# update-schema applies only what is missing), so it runs on every
# `docker compose up` and is how an image upgrade gets its schema changes.
# Connection from the environment: SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER,
# SQL_PASSWORD (read by temporal-sql-tool itself).
set -eu
: "${SQL_HOST:?SQL_HOST is required (the Postgres host)}"
: "${SQL_USER:?SQL_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required (POSTGRES_PASSWORD in .env)}"
SCHEMA_DIR=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
. "$(dirname "$0")/retry.sh"

setup_database() {
  db=$1
  dir=$2
  temporal-sql-tool --db "$db" create &&
    temporal-sql-tool --db "$db" setup-schema -v 0.0 &&
    temporal-sql-tool --db "$db" update-schema -d "$SCHEMA_DIR/$dir/versioned"
}

retry "database temporal at its schema version" setup_database temporal temporal
retry "database temporal_visibility at its schema version" setup_database temporal_visibility visibility
echo "Temporal schema ready"
