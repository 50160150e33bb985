#!/bin/sh
# One-shot job (temporalio/admin-tools) run before the Temporal server starts: create or upgrade
# Temporal's PostgreSQL schema and its Elasticsearch visibility index. Idempotent, so it runs on
# every `docker compose up` and is also the upgrade step when the server image tag changes.
#
# The `temporal` database itself is created by the postgres image (POSTGRES_DB), so there is no
# `temporal-sql-tool create` here: that command fails when the database already exists.
#
# Environment (set in docker-compose.yml):
#   POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, SQL_PASSWORD, DBNAME   Temporal's PostgreSQL
#   ES_SERVER, ES_VISIBILITY_INDEX                                  Elasticsearch visibility
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}" "${ES_SERVER:?}" "${ES_VISIBILITY_INDEX:?}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12/temporal/versioned

# depends_on waits for the health checks; this only covers a slow first start.
wait_for() {
    what=$1
    shift
    attempt=0
    until "$@" >/dev/null 2>&1; do
        attempt=$((attempt + 1))
        if [ "$attempt" -ge 60 ]; then
            echo "$what is not reachable after 2 minutes" >&2
            exit 1
        fi
        sleep 2
    done
}

wait_for "PostgreSQL at $POSTGRES_SEEDS:$DB_PORT" nc -z "$POSTGRES_SEEDS" "$DB_PORT"
# temporal-elasticsearch-tool reads ES_SERVER (and ES_USER / ES_PWD) from the environment.
wait_for "Elasticsearch at $ES_SERVER" temporal-elasticsearch-tool ping

sql() {
    # SQL_PASSWORD is read from the environment, so the password never appears in `ps`.
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" \
        --db "$DBNAME" "$@"
}

echo "Temporal schema in $DBNAME"
# setup-schema -v 0.0 only records a version on a fresh database; update-schema then applies the
# versioned migrations newer than the recorded one.
sql setup-schema -v 0.0
sql update-schema -d "$SCHEMA_DIR"

echo "Elasticsearch template and index $ES_VISIBILITY_INDEX"
# The same three steps as Temporal's Helm chart: cluster settings and index template; the index
# (skipped when it exists); then the template and the index mappings brought up to date.
temporal-elasticsearch-tool setup-schema
temporal-elasticsearch-tool create-index --index "$ES_VISIBILITY_INDEX"
temporal-elasticsearch-tool update-schema --index "$ES_VISIBILITY_INDEX"

echo "Temporal schema ready"
