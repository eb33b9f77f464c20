#!/usr/bin/env bash
# Ingest benchmark (SPEC §9): signed webhook POSTs into `wagate serve` on sqlite (durable),
# 32 connections, measured by `wagate loadtest`. Appends a dated section to bench/RESULTS.md.
#
# Builds nothing: it runs an existing binary (make release first).
# Environment:
#   WAGATE_BIN     the wagate binary (default build/release/src/wagate/cli/wagate)
#   DURATION       seconds of load (default 20)
#   CONNECTIONS    client connections (default 32)
#   LOADTEST_ARGS  extra `wagate loadtest` flags, e.g. "--duplicates 0.3"
#   RESULTS        the results file (default bench/RESULTS.md)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${WAGATE_BIN:-$root/build/release/src/wagate/cli/wagate}"
duration="${DURATION:-20}"
connections="${CONNECTIONS:-32}"
results="${RESULTS:-$root/bench/RESULTS.md}"
secret="bench-secret"

bench_name=ingest
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
bench_init jq curl

# The service is ingest-only when it can be (`--role api`), so workers do not share the CPU.
role_args=()
role="all"
if "$bin" serve --help 2>/dev/null | grep -q -- '--role'; then
  role_args=(--role api)
  role="api"
fi

# Started from the empty work directory so no developer .env is picked up.
(
  cd "$work"
  exec env WAGATE_BACKEND=sqlite WAGATE_DATA_DIR="$work/data" HOST=127.0.0.1 PORT=0 \
    WHATSAPP_APP_SECRET="$secret" LOG_LEVEL=warn ENVIRONMENT=development \
    HANDLER=none SENDER_DRY_RUN=true RATE_LIMIT_HEALTH_PER_MINUTE=0 DRAIN_SECONDS=0 \
    "$bin" serve "${role_args[@]}" --port-file "$work/port"
) >"$work/serve.log" 2>&1 &
server_pid=$!

await_service

url="http://127.0.0.1:$port/webhook"
# shellcheck disable=SC2206  # LOADTEST_ARGS is split on purpose
extra=(${LOADTEST_ARGS:-})
loadtest=("$bin" loadtest --url "$url" --connections "$connections" --duration "$duration" --secret "$secret" --json "${extra[@]}")
display_command="wagate loadtest --url http://127.0.0.1:PORT/webhook --connections $connections --duration $duration --secret $secret --json${LOADTEST_ARGS:+ $LOADTEST_ARGS}"

# GNU time, when installed, gives the load generator's own CPU time.
timer=()
[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f '%U %S' -o "$work/client.time")

ticks_before="$(cpu_ticks "/proc/$server_pid/stat")"
loadtest_status=0
"${timer[@]}" "${loadtest[@]}" >"$work/report.json" 2>"$work/loadtest.err" || loadtest_status=$?
ticks_after="$(cpu_ticks "/proc/$server_pid/stat")"
peak_rss_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")"

stop_service

if ! jq -e 'type == "object" and has("completed")' "$work/report.json" >/dev/null 2>&1 ||
  [[ ! -s "$work/report.json" ]]; then
  cat "$work/loadtest.err" >&2
  die "wagate loadtest produced no report (exit $loadtest_status)"
fi

r() { jq -r "$1" "$work/report.json"; }
completed="$(r .completed)"
req_per_sec="$(r .req_per_sec)"
p50="$(r .p50_ms)"
p99="$(r .p99_ms)"
clk_tck="$(getconf CLK_TCK)"
cpu_us_per_req="$(awk -v t=$((ticks_after - ticks_before)) -v hz="$clk_tck" -v n="$completed" \
  'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')"
# The last line of GNU time's output is "user system" (a failed command adds a line before it).
client_us_per_req="$(tail -n 1 "$work/client.time" 2>/dev/null |
  awk -v n="$completed" '{ printf "%.1f", (n > 0 ? ($1 + $2) * 1e6 / n : 0) }')"
[[ -n "$client_us_per_req" ]] || client_us_per_req="?"
peak_rss_mib="$(awk -v k="$peak_rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
statuses="$(r '.status_counts | to_entries | map("\(.key): \(.value)") | join(", ")')"
errors="$(r .errors)"

cpu_model="$(cpu_model)"
commit="$(commit_label)"

ensure_results_header

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — ingest (sqlite, durable, signed)"
  echo
  echo "- Command: \`make bench-ingest\` (\`bench/ingest.sh\`), which runs \`wagate serve${role_args[*]:+ ${role_args[*]}}\` and"
  echo "  \`$display_command\`"
  echo "- Machine: $(nproc) CPUs, $cpu_model, Linux $(uname -r)"
  echo "- Commit: $commit; service role: $role"
  echo
  echo "| metric | result | goal |"
  echo "|---|---|---|"
  echo "| throughput | $req_per_sec req/s ($completed requests) | ≥ 30,000 req/s: $(mark "$req_per_sec >= 30000") |"
  echo "| latency p50 / p99 | $p50 ms / $p99 ms | p99 ≤ 10 ms: $(mark "$p99 <= 10") |"
  echo "| service CPU per request | $cpu_us_per_req µs | — |"
  echo "| service peak RSS | $peak_rss_mib MiB | ≤ 100 MiB: $(mark "$peak_rss_mib <= 100") |"
  echo "| load generator CPU per request | $client_us_per_req µs | — |"
  echo "| answers | $statuses; transport errors $errors | all 2xx: $(mark "$errors == 0 && $(r .ok_2xx) == $completed") |"
  echo
  echo "<details><summary>loadtest report</summary>"
  echo
  echo '```json'
  jq . "$work/report.json"
  echo '```'
  echo
  echo "</details>"
} >>"$results"

echo "bench/ingest.sh: $req_per_sec req/s, p50 $p50 ms, p99 $p99 ms, $cpu_us_per_req µs CPU/request, peak RSS $peak_rss_mib MiB"
echo "bench/ingest.sh: appended to $results"
[[ "$server_status" == 0 ]] || echo "bench/ingest.sh: warning: wagate serve exited with $server_status" >&2
exit "$loadtest_status"
