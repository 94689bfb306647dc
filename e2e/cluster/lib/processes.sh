# shellcheck shell=bash
# e2e/cluster/lib/processes.sh, sourced by cluster.sh: each component runs in the background in
# its own session, with its pid and log in the state dir.

# ---------------------------------------------------------------------------
# Processes: pidfiles, start, stop, wait
# ---------------------------------------------------------------------------
pidfile() { echo "$PID_DIR/$1.pid"; }

# Prints the pid of a component if it is alive and really is our binary.
component_pid() {
  local name="$1" f pid
  f="$(pidfile "$name")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be running one of our binaries.
  local exe
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  if [[ -n "$exe" ]]; then
    [[ "$(basename "${exe% (deleted)}")" == "$name" ]] || return 1
  fi
  echo "$pid"
}

tail_log() {
  local name="$1" n="${2:-40}"
  if [[ -f "$LOG_DIR/$name.log" ]]; then
    printf -- '---- last %s lines of %s ----\n' "$n" "$LOG_DIR/$name.log" >&2
    tail -n "$n" "$LOG_DIR/$name.log" >&2 || true
    printf -- '---- end of %s log ----\n' "$name" >&2
  fi
}

fail_component() {
  local name="$1"; shift
  tail_log "$name" 60
  die "$name: $*  (state dir: $STATE_DIR; run '$0 down' to clean up)"
}

# wait_for <component> <timeout s> <description> <command...>
wait_for() {
  local name="$1" timeout="$2" what="$3"; shift 3
  local deadline=$(( $(now_s) + timeout ))
  while true; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ "$name" != "-" ]] && ! component_pid "$name" >/dev/null; then
      fail_component "$name" "process exited while waiting for: $what"
    fi
    if (( $(now_s) >= deadline )); then
      if [[ "$name" != "-" ]]; then fail_component "$name" "timed out after ${timeout}s waiting for: $what"; fi
      die "timed out after ${timeout}s waiting for: $what"
    fi
    sleep 0.5
  done
}

# start_component <name> <binary> [args...]: background, own session, logs+pid in state dir.
start_component() {
  local name="$1" bin="$2"; shift 2
  [[ -x "$bin" ]] || die "binary for $name not found: $bin"
  : >"$LOG_DIR/$name.log"
  {
    printf '# started %s\n# %s' "$(date -u +%FT%TZ)" "$bin"
    printf ' %q' "$@"
    printf '\n'
  } >>"$LOG_DIR/$name.log"
  local pf pid i
  pf="$(pidfile "$name")"
  rm -f "$pf"
  # The process writes its own pid and then execs the binary, so the pidfile
  # is right even when setsid has to fork. Own session: survives this shell.
  local -a launcher=(nohup)
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner sh
  "${launcher[@]}" sh -c 'echo $$ >"$0"; exec "$@"' "$pf" "$bin" "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
  for ((i = 0; i < 50; i++)); do [[ -s "$pf" ]] && break; sleep 0.1; done
  pid="$(cat "$pf" 2>/dev/null || true)"
  [[ -n "$pid" ]] || fail_component "$name" "did not start"
  log "started $name (pid $pid, log $LOG_DIR/$name.log)"
}

# stop_components <name...>: SIGTERM all of them at once, wait up to 10s, then SIGKILL.
stop_components() {
  local name pid i alive
  local -a names=() pids=()
  for name in "$@"; do
    if pid="$(component_pid "$name")"; then
      kill -TERM "$pid" 2>/dev/null || true
      names+=("$name"); pids+=("$pid")
    fi
    rm -f "$(pidfile "$name")"
  done
  for ((i = 0; i < 100; i++)); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    (( alive )) || break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      log "${names[$i]} (pid ${pids[$i]}) did not stop on SIGTERM, sending SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
    log "stopped ${names[$i]} (pid ${pids[$i]})"
  done
}
