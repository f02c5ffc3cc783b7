#!/bin/sh
# The worker container's health check: healthy while the Temporal server
# lists this container's worker among the pollers of the task queue (the
# SDK's identity is <pid>@<os.hostname()>: the container's hostname, which
# `uname -n` prints).
# Uses the `temporal` CLI copied into the image from temporalio/admin-tools.
# --legacy-mode lists every poller, versioned (PATHWAY_BUILD_ID) or not,
# of the workflow task queue; a worker that stopped polling drops out
# after about a minute.
# Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (read by the CLI), TEMPORAL_TASK_QUEUE.
set -eu
queue=${TEMPORAL_TASK_QUEUE:-mastery-pathway}
host=$(uname -n)
pollers=$(temporal task-queue describe --task-queue "$queue" --legacy-mode --partitions-legacy "${TEMPORAL_TASK_QUEUE_PARTITIONS:-4}" --output json) || {
  echo "unhealthy: cannot describe task queue $queue at ${TEMPORAL_ADDRESS:-?}" >&2
  exit 1
}
if printf '%s' "$pollers" | grep -q "@$host\""; then
  echo "healthy: a worker on $host polls $queue"
  exit 0
fi
echo "unhealthy: no poller from $host on task queue $queue" >&2
exit 1
