#!/usr/bin/env bash
# Packs the command-line client (src/Penguin.Cli) as a .NET tool and installs it as the 'penguin' command:
# by default a global tool in ~/.dotnet/tools; with --tool-path DIR into DIR instead. Run it again to update.
set -euo pipefail
cd "$(dirname "$0")/.."

scope=(--global)
if [ "${1:-}" = "--tool-path" ] && [ -n "${2:-}" ]; then scope=(--tool-path "$2"); fi

out=artifacts/cli
# A version of its own for every pack: NuGet caches packages by version, so reusing one would install stale code.
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S)"
echo "== Packing the penguin CLI $version (the first build takes a minute; later ones seconds) =="
rm -rf "$out"
dotnet pack src/Penguin.Cli -c Release -o "$out" -p:Version="$version" -nologo -v m -clp:NoSummary
echo "== Installing it =="
# 'update' installs the tool when it is not there yet.
dotnet tool update "${scope[@]}" --add-source "$out" --version "$version" Penguin.Cli

if [ "${scope[0]}" = "--global" ]; then
  case ":$PATH:" in
    *":$HOME/.dotnet/tools:"*) echo "Done: run 'penguin help'." ;;
    *) echo "Done. ~/.dotnet/tools is not on your PATH yet; add it (e.g. in ~/.bashrc):"
       echo "  export PATH=\"\$PATH:\$HOME/.dotnet/tools\""
       echo "then run 'penguin help'." ;;
  esac
else
  echo "Done: $2/penguin"
fi
