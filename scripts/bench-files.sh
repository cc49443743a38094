#!/usr/bin/env bash
# Files benchmark of docs/benchmarks.md ("Files", issue 14): a 1 GiB file over loopback as one PUT and in chunks,
# its download, the server's peak RSS (VmHWM) while doing it and with 100 concurrent uploads, and the time to
# complete (hash + check + preview) a 4000×3000 JPEG. Speaks the documented protocol (docs/protocol.md §10) with
# curl, so it measures the server rather than a client library.
# Usage: scripts/bench-files.sh [--server DIR] [--port 6501] [--size-mib 1024] [--chunk-mib 16] [--parts big,many,preview]
#   --server DIR: a built penguin-server directory (default: a Release build of src/Penguin.Server); run twice with
#   two builds (--parts big) to compare them side by side.
# Needs curl and jq; the 4000×3000 JPEG is made with NetVips by scripts/make-jpeg.cs (dotnet run, .NET 10).
# The server is spawned on 127.0.0.1 and killed by its PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

server_dir="" port=6501 size_mib=1024 chunk_mib=16 parts=big,many,preview
while [[ $# -gt 0 ]]; do
  case $1 in
    --server) server_dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --size-mib) size_mib=$2; shift 2 ;;
    --chunk-mib) chunk_mib=$2; shift 2 ;;
    --parts) parts=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z $server_dir ]]; then
  dotnet build src/Penguin.Server -c Release -nologo -v q
  server_dir=src/Penguin.Server/bin/Release/net10.0
fi

server_dir=$(realpath "$server_dir")
work=$(mktemp -d /tmp/penguin-files-bench-XXXX)
base=http://127.0.0.1:$port
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

(cd "$work" && exec "$server_dir/penguin-server" --urls "$base" --Penguin:DataDirectory="$work/data" \
  --Penguin:Accounts:PasswordIterations=1000 --Penguin:Accounts:RegistrationsPerAddress=1000 \
  --Penguin:Files:MaxUploadsPerUser=100 --Penguin:Files:QuotaBytes=0 --Logging:LogLevel:Default=Warning >"$work/server.log" 2>&1) &
pid=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

hwm() { awk '/VmHWM/ {printf "%d", $2/1024}' "/proc/$pid/status"; }
rss() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$pid/status"; }
reset_hwm() { echo 5 > "/proc/$pid/clear_refs" 2>/dev/null || true; }  # Linux: resets VmHWM to the current RSS
now() { date +%s.%N; }
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / s / 1e6 }'; }

token_of() { # registers a user and logs in: prints the bearer token
  local number
  number=$(curl -sf -H 'Content-Type: application/json' -d '{"nickname":"bench","password":"bench-password-1"}' "$base/api/v1/accounts" | jq -r .number)
  curl -sf -H 'Content-Type: application/json' -d "{\"number\":$number,\"password\":\"bench-password-1\",\"device\":\"pc\"}" "$base/api/v1/sessions" | jq -r .token
}
create() { # token name size sha type: prints the upload id (empty when the bytes were held)
  curl -sf -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$2\",\"size\":$3,\"sha256\":\"$4\",\"contentType\":\"$5\"}" "$base/api/v1/uploads" | jq -r '.upload.id // empty'
}
put() { # token id offset file [skip count in MiB]: one PUT of the file or a slice of it, streamed (curl -T), no Expect wait
  local body=$4
  if [[ $# -gt 4 ]]; then body="$work/chunk"; dd if="$4" of="$body" bs=1M skip="$5" count="$6" status=none; fi
  curl -sf -o /dev/null -T "$body" -H "Authorization: Bearer $1" -H 'Expect:' -H 'Content-Type: application/octet-stream' \
    -H "Upload-Offset: $3" "$base/api/v1/uploads/$2"
}
complete() { curl -sf -X POST -H "Authorization: Bearer $1" "$base/api/v1/uploads/$2/complete" | jq -r .id; }

token=$(token_of)
echo "server: $server_dir (pid $pid), data in $work; idle RSS $(rss) MiB"

# --- 1 GiB, one PUT and chunked ---------------------------------------------------------------------------------
if [[ ,$parts, == *,big,* ]]; then
big="$work/big.bin"
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$big"
bytes=$((size_mib * 1024 * 1024))
sha=$(sha256sum "$big" | cut -d' ' -f1)

reset_hwm
id=$(create "$token" single.bin $bytes "$sha" application/octet-stream)
t0=$(now); put "$token" "$id" 0 "$big"; t1=$(now)
file=$(complete "$token" "$id"); t2=$(now)
single=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}'); done1=$(awk -v a="$t1" -v b="$t2" 'BEGIN{print b-a}')
echo "upload ${size_mib} MiB, one PUT:            ${single}s, $(mbs $bytes "$single") MB/s; complete (re-hash) ${done1}s; peak RSS $(hwm) MiB"

# The same bytes under another name would be 秒传: change one byte so the chunked upload sends them all.
printf 'X' | dd of="$big" bs=1 count=1 conv=notrunc status=none
sha2=$(sha256sum "$big" | cut -d' ' -f1)
reset_hwm
id=$(create "$token" chunked.bin $bytes "$sha2" application/octet-stream)
chunks=$(( (size_mib + chunk_mib - 1) / chunk_mib ))
t0=$(now)
for ((i = 0; i < chunks; i++)); do put "$token" "$id" $((i * chunk_mib * 1024 * 1024)) "$big" $((i * chunk_mib)) "$chunk_mib"; done
t1=$(now)
complete "$token" "$id" >/dev/null
chunked=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
echo "upload ${size_mib} MiB, $chunks × ${chunk_mib} MiB chunks: ${chunked}s, $(mbs $bytes "$chunked") MB/s; peak RSS $(hwm) MiB"

reset_hwm
t0=$(now); curl -sf -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/files/$file"; t1=$(now)
down=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
echo "download ${size_mib} MiB:                   ${down}s, $(mbs $bytes "$down") MB/s; peak RSS $(hwm) MiB"
rm -f "$big"
fi

# --- 100 concurrent uploads --------------------------------------------------------------------------------------
if [[ ,$parts, == *,many,* ]]; then
reset_hwm
before=$(rss)
small="$work/small"; mkdir -p "$small"
tokens=(); for u in $(seq 1 10); do tokens+=("$(token_of)"); done
for n in $(seq 0 99); do head -c $((8 * 1024 * 1024)) /dev/urandom >"$small/$n"; done
t0=$(now)
pids=()
for n in $(seq 0 99); do
  (t=${tokens[$((n % 10))]}
   s=$(sha256sum "$small/$n" | cut -d' ' -f1)
   i=$(create "$t" "f$n.bin" $((8 * 1024 * 1024)) "$s" application/octet-stream)
   curl -sf -o /dev/null -T "$small/$n" --limit-rate 4M -H "Authorization: Bearer $t" -H 'Expect:' -H "Upload-Offset: 0" \
     "$base/api/v1/uploads/$i"
   complete "$t" "$i" >/dev/null) &
  pids+=($!)
done
wait "${pids[@]}"
t1=$(now)
echo "100 concurrent 8 MiB uploads (10 users, 4 MB/s each): $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')s; RSS before ${before} MiB, peak $(hwm) MiB"
fi

# --- a 4000×3000 JPEG: complete = hash + type check + preview ----------------------------------------------------
if [[ ,$parts, == *,preview,* ]]; then
dotnet run scripts/make-jpeg.cs "$work" 5 >/dev/null
for k in 1 2 3 4 5; do
  # Five different pictures: never 秒传, so every completion reads the header, checks the type and makes the preview.
  jpeg="$work/photo$k.jpg"; s=$(sha256sum "$jpeg" | cut -d' ' -f1); size=$(stat -c %s "$jpeg")
  i=$(create "$token" "photo$k.jpg" "$size" "$s" image/jpeg)
  put "$token" "$i" 0 "$jpeg"
  t0=$(now); stored=$(complete "$token" "$i"); t1=$(now)
  [[ -n $stored ]] || { echo "photo$k.jpg was refused" >&2; exit 1; }
  echo "complete of a 4000×3000 JPEG ($((size / 1024)) KiB, noise) with its 256 px preview: $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')s"
done
fi
