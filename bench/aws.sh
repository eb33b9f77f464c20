#!/usr/bin/env bash
# aws backend benchmark (SPEC §9): signed webhook POSTs into `wagate serve --role api` on the aws
# backend, against the local emulators (dynalite for DynamoDB, fauxqs for SQS, from
# tests/emulators). Measures the gateway's own CPU time per accepted message: the service
# process's user + system time over the load, divided by the messages it accepted. The emulators
# run in their own process, so their time is not counted. Also reports the POST latency
# percentiles, which here mostly measure the emulators (a single node process on the same two
# cores), not the gateway. Appends a dated section to bench/RESULTS.md.
#
# Builds nothing: it runs an existing binary (make release first) and needs `make emulators`.
# Environment:
#   WAGATE_BIN     the wagate binary (default build/release/src/wagate/cli/wagate)
#   DURATION       seconds of load (default 20)
#   CONNECTIONS    client connections (default 32)
#   LOADTEST_ARGS  extra `wagate loadtest` flags, e.g. "--items 10"
#   RESULTS        the results file (default bench/RESULTS.md)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${WAGATE_BIN:-$root/build/release/src/wagate/cli/wagate}"
duration="${DURATION:-20}"
connections="${CONNECTIONS:-32}"
results="${RESULTS:-$root/bench/RESULTS.md}"
secret="bench-secret"

bench_name=aws
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
bench_init jq curl node
[[ -d "$root/tests/emulators/node_modules" ]] || die "the emulators are not installed: run make emulators"

# The emulators live while their stdin is open: a `sleep` holds it, and killing it stops them.
emulators_log="$work/emulators.err"
sleep infinity | node "$root/tests/emulators/emulators.mjs" >"$work/emulators.json" 2>"$emulators_log" &
emulators_pid=$!
stop_emulators() { pkill -P $$ -x sleep 2>/dev/null || true; kill "$emulators_pid" 2>/dev/null || true; }
trap 'stop_emulators; bench_cleanup' EXIT
for _ in $(seq 1 200); do [[ -s "$work/emulators.json" ]] && break; sleep 0.1; done
[[ -s "$work/emulators.json" ]] || { cat "$emulators_log" >&2; die "the emulators did not start"; }
dynamodb="$(jq -r .dynamodb "$work/emulators.json")"
sqs="$(jq -r .sqs "$work/emulators.json")"

aws_env=(WAGATE_BACKEND=aws AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDBENCH
  AWS_SECRET_ACCESS_KEY=bench-aws-secret AWS_EC2_METADATA_DISABLED=true
  AWS_ENDPOINT_URL_DYNAMODB="$dynamodb" AWS_ENDPOINT_URL_SQS="$sqs"
  DYNAMODB_TABLE_NAME=wagate-bench SQS_QUEUE_PREFIX=bench-)

# `wagate provision` prints the queue URL lines for .env.
(cd "$work" && env -i PATH="$PATH" "${aws_env[@]}" "$bin" provision) >"$work/provision.out" 2>"$work/provision.err" ||
  { cat "$work/provision.err" >&2; die "wagate provision failed"; }
mapfile -t queue_env < <(grep -E '^[A-Z_]+_URL=' "$work/provision.out")
[[ ${#queue_env[@]} == 6 ]] || { cat "$work/provision.out" >&2; die "provision did not print six queue URLs"; }

(
  cd "$work"
  exec env -i PATH="$PATH" "${aws_env[@]}" "${queue_env[@]}" HOST=127.0.0.1 PORT=0 \
    WHATSAPP_APP_SECRET="$secret" LOG_LEVEL=warn ENVIRONMENT=development \
    RATE_LIMIT_HEALTH_PER_MINUTE=0 DRAIN_SECONDS=0 \
    "$bin" serve --role api --port-file "$work/port"
) >"$work/serve.log" 2>&1 &
server_pid=$!
await_service

url="http://127.0.0.1:$port/webhook"
# shellcheck disable=SC2206  # LOADTEST_ARGS is split on purpose
extra=(${LOADTEST_ARGS:-})
loadtest=("$bin" loadtest --url "$url" --connections "$connections" --duration "$duration" --secret "$secret" --json "${extra[@]}")
display_command="wagate loadtest --url http://127.0.0.1:PORT/webhook --connections $connections --duration $duration --secret $secret --json${LOADTEST_ARGS:+ $LOADTEST_ARGS}"

ticks_before="$(cpu_ticks "/proc/$server_pid/stat")"
emulator_ticks_before="$(cpu_ticks "/proc/$emulators_pid/stat")"
loadtest_status=0
# PERF_DATA=<file>: also record a CPU profile of the service during the load (perf record -g).
if [[ -n "${PERF_DATA:-}" ]]; then
  perf record -g -o "$PERF_DATA" -p "$server_pid" -- sleep "$duration" >/dev/null 2>&1 &
fi
"${loadtest[@]}" >"$work/report.json" 2>"$work/loadtest.err" || loadtest_status=$?
ticks_after="$(cpu_ticks "/proc/$server_pid/stat")"
threads="$(thread_cpu "$server_pid")"
emulator_ticks_after="$(cpu_ticks "/proc/$emulators_pid/stat")"
peak_rss_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")"
stop_service

jq -e 'type == "object" and has("completed")' "$work/report.json" >/dev/null 2>&1 ||
  { cat "$work/loadtest.err" >&2; die "wagate loadtest produced no report (exit $loadtest_status)"; }

r() { jq -r "$1" "$work/report.json"; }
accepted="$(r '.accepted // .ok_2xx')"
req_per_sec="$(r .req_per_sec)"
p50="$(r .p50_ms)"
p99="$(r .p99_ms)"
clk_tck="$(getconf CLK_TCK)"
per_message() { awk -v t="$1" -v hz="$clk_tck" -v n="$accepted" 'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }'; }
cpu_us="$(per_message $((ticks_after - ticks_before)))"
emulator_cpu_us="$(per_message $((emulator_ticks_after - emulator_ticks_before)))"
peak_rss_mib="$(awk -v k="$peak_rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
statuses="$(r '.status_counts | to_entries | map("\(.key): \(.value)") | join(", ")')"
cpu_model="$(cpu_model)"
commit="$(commit_label)"

ensure_results_header
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — aws backend (dynalite + fauxqs emulators), admission"
  echo
  echo "- Command: \`make bench-aws\` (\`bench/aws.sh\`), which runs \`wagate serve --role api\` on the aws backend and"
  echo "  \`$display_command\`"
  echo "- Machine: $(nproc) CPUs, $cpu_model, Linux $(uname -r); the emulators share it (one node process)"
  echo "- Commit: $commit"
  echo
  echo "| metric | result | goal |"
  echo "|---|---|---|"
  echo "| gateway CPU per accepted message | $cpu_us µs ($accepted messages) | ≤ 50 µs: $(mark "$cpu_us <= 50") |"
  echo "| emulators' CPU per accepted message (not counted above) | $emulator_cpu_us µs | — |"
  echo "| throughput | $req_per_sec req/s | — (bound by the emulators) |"
  echo "| latency p50 / p99 | $p50 ms / $p99 ms | — (mostly emulator time) |"
  echo "| gateway peak RSS | $peak_rss_mib MiB | — |"
  echo "| answers | $statuses | — |"
  echo
  echo "Service CPU by thread over the whole run (name, threads, seconds):"
  echo
  echo '```'
  echo "$threads"
  echo '```'
} >>"$results"

echo "bench/aws.sh: $cpu_us µs gateway CPU per accepted message ($accepted accepted, $req_per_sec req/s, p99 $p99 ms)"
echo "bench/aws.sh: appended to $results"
exit "$loadtest_status"
