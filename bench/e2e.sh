#!/usr/bin/env bash
# End-to-end benchmark (SPEC §9): signed webhook POSTs into `wagate serve` (role all) on sqlite,
# handled by the echo handler (one text reply and one mark-as-read per message) and "sent" by the
# dry-run sender, which records what it would send and completes the outgoing record. Measures
# messages per second from the first POST to the last reply recorded, the p99 of the POSTs
# while processing runs, the service's CPU per message and peak RSS. Appends a dated section to
# bench/RESULTS.md.
#
# How completion is counted: nothing polls the service while the load runs. When the load is
# over, the script waits for the `incoming` and `outgoing` queues to empty (a read-only count of
# queue_messages once a second), stops the service, and then reads the records table:
#   - admitted:  records of kind 'message' (one per inbound message), by created_at;
#   - replied:   records of kind 'outgoing' whose key is a reply (`out:<hash>:<n>`, not
#                `out:<hash>:read`) in state COMPLETED, by updated_at (the time the dry-run
#                sender completed them).
# Both times are the service's own Unix milliseconds, so the rate and the per-second timeline
# are exact rather than sampled.
#   throughput = replies completed / (last reply's updated_at − wall time just before the load
#                generator started).
#
# Builds nothing: it runs an existing binary (make release first).
# Environment:
#   WAGATE_BIN     the wagate binary (default build/release/src/wagate/cli/wagate)
#   REQUESTS       POSTs to send (default 200000); one message each unless LOADTEST_ARGS has --items
#   RATE           requests per second (open loop); 0 = closed loop, as fast as POSTs are answered
#                  (default 0)
#   DURATION       seconds of load when REQUESTS=0 (default 20)
#   CONNECTIONS    client connections (default 32)
#   WORKERS        processor threads (default: the service's default)
#   SENDERS        dry-run sender threads (default: the service's default)
#   DRAIN_TIMEOUT  seconds to wait for the queues to empty after the load (default 300)
#   LOADTEST_ARGS  extra `wagate loadtest` flags
#   RESULTS        the results file (default bench/RESULTS.md)
#   COMMIT         what to report as the commit (default: this checkout's HEAD, marked when dirty)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${WAGATE_BIN:-$root/build/release/src/wagate/cli/wagate}"
requests="${REQUESTS:-200000}"
rate="${RATE:-0}"
duration="${DURATION:-20}"
connections="${CONNECTIONS:-32}"
drain_timeout="${DRAIN_TIMEOUT:-300}"
results="${RESULTS:-$root/bench/RESULTS.md}"
secret="bench-secret"

bench_name=e2e
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
bench_init jq curl sqlite3
[[ "$requests" == 0 ]] && duration_arg="$duration" || duration_arg=0
db="$work/data/wagate.db"


ro_sql() { sqlite3 -readonly -batch -noheader "file:$db?mode=ro" "$1"; }

env_args=(WAGATE_BACKEND=sqlite WAGATE_DATA_DIR="$work/data" HOST=127.0.0.1 PORT=0
  WHATSAPP_APP_SECRET="$secret" LOG_LEVEL=warn ENVIRONMENT=development
  HANDLER=echo RATE_LIMIT_HEALTH_PER_MINUTE=0 DRAIN_SECONDS=0)
[[ -n "${WORKERS:-}" ]] && env_args+=(WORKERS="$WORKERS")
[[ -n "${SENDERS:-}" ]] && env_args+=(SENDERS="$SENDERS")

# Started from the empty work directory so no developer .env is picked up; without an access
# token the development sender runs dry.
(
  cd "$work"
  exec env -u WHATSAPP_ACCESS_TOKEN -u SENDER_DRY_RUN "${env_args[@]}" "$bin" serve --port-file "$work/port"
) >"$work/serve.log" 2>&1 &
server_pid=$!

await_service
detailed="$(curl -s "http://127.0.0.1:$port/health/detailed")"
processor_status="$(jq -r '.processor.status' <<<"$detailed")"
[[ "$processor_status" == running ]] || die "the message processor is $processor_status, not running"
threads_at_start="$(thread_cpu "$server_pid")"
n_processors="$(grep -c '^processor' <<<"$threads_at_start" || true)"
n_senders="$(grep -c '^sender' <<<"$threads_at_start" || true)"

url="http://127.0.0.1:$port/webhook"
# shellcheck disable=SC2206  # LOADTEST_ARGS is split on purpose
extra=(${LOADTEST_ARGS:-})
lt_flags=(--connections "$connections" --requests "$requests" --duration "$duration_arg" --rate "$rate" --secret "$secret" --json "${extra[@]}")
display_command="wagate loadtest --url http://127.0.0.1:PORT/webhook ${lt_flags[*]}"

timer=()
[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f '%U %S' -o "$work/client.time")

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
ticks_before="$(cpu_ticks "/proc/$server_pid/stat")"
t0_ms="$(date +%s%3N)"
loadtest_status=0
"${timer[@]}" "$bin" loadtest --url "$url" "${lt_flags[@]}" >"$work/report.json" 2>"$work/loadtest.err" || loadtest_status=$?
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

if ! jq -e 'type == "object" and has("completed")' "$work/report.json" >/dev/null 2>&1; then
  cat "$work/loadtest.err" >&2
  die "wagate loadtest produced no report (exit $loadtest_status)"
fi
r() { jq -r "$1" "$work/report.json"; }

# Wait for the queues to empty; give up when nothing moved for 30 s or after DRAIN_TIMEOUT.
backlog_sql="SELECT count(*) FROM queue_messages WHERE queue IN ('incoming', 'outgoing')"
backlog_at_load_end="$(ro_sql "$backlog_sql")"
backlog="$backlog_at_load_end"
last_backlog=-1
still=0
drained=no
for _ in $(seq 1 "$drain_timeout"); do
  backlog="$(ro_sql "$backlog_sql")"
  if [[ "$backlog" == 0 ]]; then drained=yes; break; fi
  if [[ "$backlog" == "$last_backlog" ]]; then still=$((still + 1)); else still=0; fi
  [[ "$still" -ge 30 ]] && break
  last_backlog="$backlog"
  sleep 1
done
ticks_after="$(cpu_ticks "/proc/$server_pid/stat")"
peak_rss_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")"
threads_at_end="$(thread_cpu "$server_pid")"
processed="$(curl -s "http://127.0.0.1:$port/health/detailed" | jq -r '.processor.processed_count')"

stop_service

# Reply keys are out:<64 hex>:<n>; mark-as-read keys end in ":read".
reply_where="kind = 'outgoing' AND substr(key, -5) <> ':read'"
IFS='|' read -r admitted _ last_admit_ms <<<"$(ro_sql \
  "SELECT count(*), min(created_at), max(created_at) FROM records WHERE kind = 'message'")"
IFS='|' read -r replies_done _ last_reply_ms <<<"$(ro_sql \
  "SELECT count(*), min(updated_at), max(updated_at) FROM records WHERE $reply_where AND state = 'COMPLETED'")"
replies_total="$(ro_sql "SELECT count(*) FROM records WHERE $reply_where")"
reads_done="$(ro_sql "SELECT count(*) FROM records WHERE kind = 'outgoing' AND substr(key, -5) = ':read' AND state = 'COMPLETED'")"
states="$(ro_sql "SELECT kind || ' ' || state || ': ' || count(*) FROM records GROUP BY kind, state ORDER BY kind, state" | paste -sd ';' | sed 's/;/; /g')"
dlq="$(ro_sql "SELECT count(*) FROM queue_messages WHERE queue LIKE '%-dlq'")"
db_mib="$(du -sm "$work/data" | cut -f1)"

# Per-second timeline: messages admitted and replies completed in each second after t0.
timeline="$(ro_sql "
  WITH a AS (SELECT (created_at - $t0_ms) / 1000 AS s, count(*) AS n FROM records
             WHERE kind = 'message' GROUP BY s),
       c AS (SELECT (updated_at - $t0_ms) / 1000 AS s, count(*) AS n FROM records
             WHERE $reply_where AND state = 'COMPLETED' GROUP BY s),
       secs AS (SELECT s FROM a UNION SELECT s FROM c)
  SELECT secs.s, coalesce(a.n, 0), coalesce(c.n, 0) FROM secs
  LEFT JOIN a ON a.s = secs.s LEFT JOIN c ON c.s = secs.s ORDER BY secs.s")"

f() { awk "BEGIN { printf \"$1\", ($2) }"; }
e2e_seconds="$(f '%.3f' "($last_reply_ms - $t0_ms) / 1000")"
e2e_rate="$(f '%.1f' "($last_reply_ms > $t0_ms) ? $replies_done * 1000 / ($last_reply_ms - $t0_ms) : 0")"
admit_seconds="$(f '%.3f' "($last_admit_ms - $t0_ms) / 1000")"
admit_rate="$(f '%.1f' "($last_admit_ms > $t0_ms) ? $admitted * 1000 / ($last_admit_ms - $t0_ms) : 0")"
lag_seconds="$(f '%.3f' "($last_reply_ms - $last_admit_ms) / 1000")"
clk_tck="$(getconf CLK_TCK)"
cpu_us_per_msg="$(f '%.1f' "$replies_done > 0 ? ($ticks_after - $ticks_before) / $clk_tck * 1e6 / $replies_done : 0")"
client_us_per_req="$(tail -n 1 "$work/client.time" 2>/dev/null |
  awk -v n="$(r .completed)" '{ printf "%.1f", (n > 0 ? ($1 + $2) * 1e6 / n : 0) }')"
[[ -n "$client_us_per_req" ]] || client_us_per_req="?"
peak_rss_mib="$(f '%.1f' "$peak_rss_kb / 1024")"
statuses="$(r '.status_counts | to_entries | map("\(.key): \(.value)") | join(", ")')"

cpu_model="$(cpu_model)"
commit="${COMMIT:-$(commit_label)}"
if [[ "$rate" == 0 ]]; then mode="closed loop"; else mode="open loop at $rate req/s"; fi

ensure_results_header

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — end to end (sqlite, echo handler, dry-run sender)"
  echo
  echo "- Command: \`make bench-e2e\` (\`bench/e2e.sh\`${RATE:+, RATE=$RATE}${REQUESTS:+, REQUESTS=$REQUESTS}${WORKERS:+, WORKERS=$WORKERS}${SENDERS:+, SENDERS=$SENDERS}), which runs"
  echo "  \`wagate serve\` (role all, HANDLER=echo, no access token: dry-run sender) and"
  echo "  \`$display_command\` ($mode)"
  echo "- Machine: $(nproc) CPUs, $cpu_model, Linux $(uname -r); load average before / after the load: $load_before / $load_end"
  echo "- Commit: $commit; processor threads: ${n_processors:-0}, sender threads: ${n_senders:-0}"
  echo "- Counted from the records table after waiting for the queues to empty (drained: $drained, backlog at the end of the load: $backlog_at_load_end queue messages)"
  echo
  echo "| metric | result | goal |"
  echo "|---|---|---|"
  echo "| end to end | $e2e_rate messages/s ($replies_done replies completed in $e2e_seconds s from the first POST) | ≥ 10,000 messages/s: $(mark "$e2e_rate >= 10000") |"
  echo "| admission | $admit_rate messages/s ($admitted admitted in $admit_seconds s); last reply $lag_seconds s after the last admit | — |"
  echo "| POST latency p50 / p99 (while processing runs) | $(r .p50_ms) ms / $(r .p99_ms) ms | — |"
  echo "| service CPU per message | $cpu_us_per_msg µs (POST, processing, reply, mark-as-read) | — |"
  echo "| service peak RSS | $peak_rss_mib MiB | — |"
  echo "| load generator CPU per request | $client_us_per_req µs | — |"
  echo "| answers | $statuses; transport errors $(r .errors) | — |"
  echo "| records | $states; replies $replies_done / $replies_total completed, mark-as-read $reads_done completed; dead letters $dlq; processed_count $processed; data dir $db_mib MiB | every reply COMPLETED: $(mark "$replies_done == $admitted && $replies_done == $replies_total") |"
  echo
  echo "Service CPU seconds by thread over the whole run (name, threads, seconds):"
  echo
  echo '```'
  echo "$threads_at_end"
  echo '```'
  echo
  echo "<details><summary>per-second timeline (seconds after the first POST, admitted, replies completed)</summary>"
  echo
  echo '```'
  tr '|' ' ' <<<"$timeline"
  echo '```'
  echo
  echo "</details>"
  echo
  echo "<details><summary>loadtest report</summary>"
  echo
  echo '```json'
  jq . "$work/report.json"
  echo '```'
  echo
  echo "</details>"
} >>"$results"

echo "bench/e2e.sh: $e2e_rate messages/s end to end ($replies_done replies in $e2e_seconds s), admission $admit_rate/s, POST p99 $(r .p99_ms) ms, $cpu_us_per_msg µs CPU/message, peak RSS $peak_rss_mib MiB"
echo "bench/e2e.sh: appended to $results"
[[ "$server_status" == 0 ]] || echo "bench/e2e.sh: warning: wagate serve exited with $server_status" >&2
[[ "$drained" == yes ]] || echo "bench/e2e.sh: warning: the queues did not empty ($backlog messages left)" >&2
exit "$loadtest_status"
