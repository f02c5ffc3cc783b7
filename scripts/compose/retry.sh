# Sourced by the setup scripts: `retry <what> <command...>` runs the command
# until it succeeds, SETUP_ATTEMPTS times (default 60) SETUP_SLEEP seconds
# apart (default 5), then gives up with exit 1 so that `restart: on-failure`
# starts the whole script again. Compose's depends_on waits only for the
# service, not for what it serves, so every step retries. POSIX sh (the
# admin-tools image is Alpine: busybox sh).

retry() {
  what=$1
  shift
  attempt=1
  max=${SETUP_ATTEMPTS:-60}
  while :; do
    if "$@"; then
      echo "ok: $what"
      return 0
    fi
    if [ "$attempt" -ge "$max" ]; then
      echo "failed: $what, after $attempt attempts; exiting so the service restarts" >&2
      exit 1
    fi
    echo "not yet: $what (attempt $attempt of $max), retrying in ${SETUP_SLEEP:-5}s" >&2
    attempt=$((attempt + 1))
    sleep "${SETUP_SLEEP:-5}"
  done
}
