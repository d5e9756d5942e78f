#!/usr/bin/env bash
# Runs every test of the solution against real PostgreSQL, Prometheus and ONNX Runtime.
# Installs the Debian packages the integration tests need when they are missing and we are root.
set -euo pipefail
cd "$(dirname "$0")"
source eng/require-packages.sh

require_debian_packages prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager \
  amtool:prometheus-alertmanager initdb:postgresql kubectl:kubectl python3:python3 \
  prometheus-node-exporter:prometheus-node-exporter
require_python_module yaml python3-yaml
stop_packaged_daemons
require_locale en_US.UTF-8

results=.local/test-results
rm -rf "$results"
mkdir -p "$results"

dotnet build Aspire.sln -c Release -warnaserror -nologo -clp:ErrorsOnly
set +e
dotnet test Aspire.sln -c Release --no-build --nologo \
  --logger "trx" --results-directory "$results" -- "$@" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test assemblies, in the form CI reads: "N passed, N failed, N skipped".
awk '
  /(Passed|Failed)!/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { failed  += $(i+1) }
      if ($i == "Passed:")  { passed  += $(i+1) }
      if ($i == "Skipped:") { skipped += $(i+1) }
    }
  }
  END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$results/console.log" | tr -d ','
exit "$status"
