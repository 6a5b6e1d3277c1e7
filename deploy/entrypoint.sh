#!/bin/sh
# Image entry point: SERVICE selects what runs (one image for every service and the CLI).
set -eu
case "${SERVICE:-}" in
  issuer | renewal-agent | reconciler | sync-gateway | approvals | auditor)
    exec node --enable-source-maps "/app/services/$SERVICE/dist/main.js" "$@" ;;
  cli | fedplane)
    exec node --enable-source-maps /app/packages/cli/dist/main.js "$@" ;;
  *)
    echo "SERVICE must be one of: issuer renewal-agent reconciler sync-gateway approvals auditor cli (got '${SERVICE:-}')" >&2
    exit 64 ;;
esac
