#!/usr/bin/env bash
# Runs every check and test: installs what is missing, then gofmt, go vet,
# staticcheck, go test -race ./... (with the real clients), and a short
# fuzzing run of the protocol, planner and CSV scanner fuzz targets.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH)/bin"

scripts/install-deps.sh

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
echo "== go vet"
go vet ./...
echo "== staticcheck"
staticcheck ./...
echo "== go test -race"
go test -race -count=1 -timeout 30m ./...
echo "== fuzz (short)"
go test -run '^$' -fuzz '^FuzzPlan$' -fuzztime 15s ./planner/
go test -run '^$' -fuzz '^FuzzSession$' -fuzztime 30s ./wire/
go test -run '^$' -fuzz '^FuzzCSVScanner$' -fuzztime 10s ./catalog/filesource/
echo "all checks passed"
