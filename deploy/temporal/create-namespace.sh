#!/bin/sh
# One-shot job (temporalio/admin-tools) run once the Temporal server is up: create the namespace
# the cases run in, if it does not exist yet. temporalio/server, unlike the deprecated auto-setup
# image, creates no namespace by itself. Idempotent.
#
# Environment:
#   TEMPORAL_ADDRESS             frontend host:port (default temporal:7233)
#   TEMPORAL_NAMESPACE           namespace to create (default "default")
#   TEMPORAL_NAMESPACE_RETENTION how long a closed case's history stays in Temporal (default 365d);
#                                the read model keeps the case record (台账) for good either way.
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
NS="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-365d}"

# The server's port opens before its services are ready to answer.
attempt=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 60 ]; then
        echo "Temporal at $TEMPORAL_ADDRESS is not serving after 2 minutes" >&2
        exit 1
    fi
    sleep 2
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NS" >/dev/null 2>&1; then
    echo "namespace $NS exists"
else
    temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NS" \
        --retention "$RETENTION" --description "Liudan cases"
    echo "namespace $NS created (retention $RETENTION)"
fi
