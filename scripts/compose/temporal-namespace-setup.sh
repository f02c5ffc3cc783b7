#!/bin/sh
# One-shot (service temporal-setup, image temporalio/admin-tools): registers
# the namespace and the typed search attributes the school workflows upsert
# (workflows/messages.ts), then checks both with the `temporal` CLI; exits 0
# only when `temporal operator namespace describe` and
# `temporal operator search-attribute list` show them. The server's health
# check passes before its namespace registry and search-attribute cache are
# ready, so every step retries (retry.sh).
# Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (read by the CLI itself),
# TEMPORAL_NAMESPACE_RETENTION (e.g. 30d), PATHWAY_SEARCH_ATTRIBUTES
# ("Name:Type Name:Type ...").
set -eu
: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required (host:port of the frontend)}"
: "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is required}"
: "${PATHWAY_SEARCH_ATTRIBUTES:?PATHWAY_SEARCH_ATTRIBUTES is required (Name:Type pairs)}"
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-30d}
. "$(dirname "$0")/retry.sh"

namespace_exists() {
  temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1
}

ensure_namespace() {
  namespace_exists || {
    temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$RETENTION" && namespace_exists
  }
}

# One attribute: registered already (by name, any line of the list), or create it and see it listed.
attribute_listed() {
  temporal operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" | grep -qw "$1"
}

ensure_attribute() {
  attribute_listed "$1" || {
    temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --name "$1" --type "$2" && attribute_listed "$1"
  }
}

retry "cluster health at $TEMPORAL_ADDRESS" temporal operator cluster health
retry "namespace $TEMPORAL_NAMESPACE described" ensure_namespace
for pair in $PATHWAY_SEARCH_ATTRIBUTES; do
  name=${pair%%:*}
  type=${pair##*:}
  retry "search attribute $name ($type) listed" ensure_attribute "$name" "$type"
done
echo "Temporal namespace $TEMPORAL_NAMESPACE ready with its search attributes"
