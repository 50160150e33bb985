#!/bin/sh
# Register Liudan's custom search attributes on a Temporal cluster. Idempotent: safe to run on
# every deploy. The worker refuses to start until these exist.
#
# The list must equal workflows/search_attributes.CLI_TYPE_NAMES (tests/deploy checks it). The
# embedded single-server mode passes the same list to `start-dev --search-attribute`, but the dev
# server applies those flags only when it creates its database, so this script also runs there
# (liudan-search-attributes.service) to add attributes introduced by later releases.
#
# Environment:
#   TEMPORAL_ADDRESS    frontend host:port (default temporal:7233, the compose service)
#   TEMPORAL_NAMESPACE  namespace the cases run in (default "default")
#   TEMPORAL_BIN        temporal CLI to use (default: `temporal` on PATH)
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
NS="${TEMPORAL_NAMESPACE:-default}"
TEMPORAL_BIN="${TEMPORAL_BIN:-temporal}"

# name:type, one per line; types are the CLI's names.
SEARCH_ATTRIBUTES="
CaseStage:Keyword
CaseCategory:Keyword
CaseOrg:Keyword
CaseOrgs:KeywordList
CaseDueAt:Datetime
CaseOverdue:Bool
"

register() {
    name=$1
    type=$2
    # Current CLIs skip an attribute that exists with the same type and exit 0; older CLIs and
    # servers answer "already exists". A different type is a real conflict and must fail.
    if output=$("$TEMPORAL_BIN" operator search-attribute create \
        --address "$TEMPORAL_ADDRESS" --namespace "$NS" --name "$name" --type "$type" 2>&1); then
        echo "search attribute $name ($type): ok"
        return 0
    fi
    case $output in
        *"different type"*)
            echo "search attribute $name: registered with another type: $output" >&2
            return 1
            ;;
        *"already exists"* | *"AlreadyExists"*)
            echo "search attribute $name ($type): already registered"
            return 0
            ;;
    esac
    echo "search attribute $name: $output" >&2
    return 1
}

# Run right after the server starts (compose job, systemd unit): wait until it serves.
attempt=0
until "$TEMPORAL_BIN" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 60 ]; then
        echo "Temporal at $TEMPORAL_ADDRESS is not serving after 2 minutes" >&2
        exit 1
    fi
    sleep 2
done

echo "registering search attributes in namespace $NS at $TEMPORAL_ADDRESS"
for entry in $SEARCH_ATTRIBUTES; do
    register "${entry%%:*}" "${entry#*:}"
done
