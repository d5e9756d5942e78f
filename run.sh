#!/usr/bin/env bash
# Brings the whole system up locally: PostgreSQL, the three services, Prometheus (and what else is installed).
# Ctrl+C stops everything it started. Arguments go to the AppHost, e.g. ./run.sh --Predictor:Port 5101
set -euo pipefail
cd "$(dirname "$0")"
source eng/require-packages.sh

require_debian_packages initdb:postgresql prometheus:prometheus prometheus-alertmanager:prometheus-alertmanager
stop_packaged_daemons
exec dotnet run --project AppHost -- "$@"
