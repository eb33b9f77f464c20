# shellcheck shell=bash disable=SC2154,SC2034  # bench_name, root, bin and results come from the sourcing script; work, port and server_status go back to it
# Shared by the benchmark scripts: checks, the work directory, the service's lifetime and CPU
# accounting. Source it after setting `bench_name` (e.g. "ingest") and `bin` (the wagate binary).
#
#   bench_init TOOL...   checks the binary and the tools, makes $work, and removes it (and kills
#                        a still running service) on exit; `bin` becomes an absolute path
#   await_service        waits for the service started as $server_pid to write $work/port and
#                        answer 200 on /health; sets `port`
#   stop_service         SIGTERM, waits for the exit; sets `server_status`
#   cpu_ticks FILE       user + system ticks from a /proc/PID/stat or /proc/PID/task/TID/stat
#   thread_cpu PID       CPU seconds per thread name of a process
#   mark EXPR, cpu_model, commit_label   the results table's goal marks, machine and commit
#   ensure_results_header  starts $results with the file's header when it does not exist yet

die() { echo "bench/$bench_name.sh: $*" >&2; exit 1; }

bench_init() {
  [[ -x "$bin" ]] || die "no wagate binary at $bin (build it with the release preset, or set WAGATE_BIN)"
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is required"; done
  bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
  work="$(mktemp -d "${TMPDIR:-/tmp}/wagate-bench-$bench_name.XXXXXX")"
  server_pid=""
  trap bench_cleanup EXIT
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
bench_cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}

health_code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health"; }

await_service() {
  port=""
  for _ in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; die "wagate serve exited during startup"; }
    [[ -s "$work/port" ]] && port="$(<"$work/port")"
    if [[ -n "$port" ]] && [[ "$(health_code "$port")" == 200 ]]; then return; fi
    sleep 0.1
  done
  [[ -n "$port" ]] || die "wagate serve did not write its port within 30 s"
  die "GET /health did not answer 200 within 30 s"
}

stop_service() {
  kill -TERM "$server_pid"
  for _ in $(seq 1 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  server_status=0
  wait "$server_pid" || server_status=$?
  server_pid=""
}

# Fields are counted after the ")" that closes the command name, which may contain spaces.
cpu_ticks() {
  local stat
  stat="$(<"$1")"
  stat="${stat##*) }"
  awk '{ print $12 + $13 }' <<<"$stat"
}

# CPU time per thread name of process $1, summed over threads of the same name:
# "name threads seconds" lines, busiest first.
thread_cpu() {
  local hz task name
  hz="$(getconf CLK_TCK)"
  for task in /proc/"$1"/task/*; do
    name="$(<"$task/comm")" || continue
    echo "${name// /_} $(cpu_ticks "$task/stat")"
  done | awk -v hz="$hz" '{ t[$1] += $2; n[$1]++ } END { for (k in t) printf "%s %d %.2f\n", k, n[k], t[k] / hz }' |
    sort -k3 -nr
}

# "met" when the awk expression $1 holds, "**missed**" otherwise (a goal column).
mark() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "**missed**"; fi; }

cpu_model() { awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo; }

# The checkout's short HEAD, marked when the tree has uncommitted changes.
commit_label() {
  local commit
  commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "none")"
  if [[ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]]; then commit="$commit (with uncommitted changes)"; fi
  echo "$commit"
}

ensure_results_header() {
  [[ -f "$results" ]] && return
  cat >"$results" <<'HEADER'
# Benchmark results

Each section below was appended by one run of a benchmark in `bench/` (for example
`make bench-ingest`, which runs `bench/ingest.sh`). Sections are never edited afterwards, so the file
is a history. The goals are those of SPEC §9 for the 2-core development machine; the load
generator runs on the same machine and shares its cores with the service.
HEADER
}
