#!/usr/bin/env bash
# Builds Penguin and runs the server on http://127.0.0.1:5180 (embedded SQLite in src/Penguin.Server/data).
# Says what it is doing while it builds; extra arguments go to the server, e.g.
#   scripts/run.sh --urls http://0.0.0.0:8080 --Penguin:DataDirectory=/var/lib/penguin
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*"; }

if ! command -v dotnet >/dev/null; then
  echo "The .NET SDK is needed (10.0 or later): https://dotnet.microsoft.com/download" >&2
  exit 1
fi

step "Building the server and the web client (Release): the first build restores packages (NuGet, npm) and takes a minute or two; later ones take seconds"
# Minimal verbosity prints one line per finished project: the progress.
dotnet build src/Penguin.Server -c Release -nologo -v m -clp:NoSummary

step "Starting Penguin: http://127.0.0.1:5180 unless --urls says otherwise (Ctrl+C stops it)"
# From the project's folder, as 'dotnet run' would: data/ and appsettings.json are found there.
cd src/Penguin.Server
exec bin/Release/net10.0/penguin-server "$@"
