#!/usr/bin/env bash
# Chainwatch local services for tests and dev: Kafka, Redis, PostgreSQL.
#
#   bash deploy/local/services.sh up [--best-effort]   start what is missing (idempotent)
#   bash deploy/local/services.sh status               report; exit 1 if anything is down
#   bash deploy/local/services.sh down                 stop only what this script started
#   bash deploy/local/services.sh reset                stop Kafka and wipe its data
#
# Kafka is a real Apache Kafka broker (KRaft, broker+controller in one JVM)
# run straight from Maven Central jars, because this environment has no
# Docker and no Kafka tarball downloads. Jars, data, logs and pid files live
# under $CHAINWATCH_CACHE_DIR (default ~/.cache/chainwatch), never in the repo.
# Redis and PostgreSQL are normally already running (system services); we only
# start them when they are not and the binaries are installed.
#
# See deploy/local/README.md for env vars and how to reset state.
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

CACHE_DIR="${CHAINWATCH_CACHE_DIR:-$HOME/.cache/chainwatch}"
RUN_DIR="$CACHE_DIR/run"

KAFKA_VERSION="${KAFKA_VERSION:-4.1.2}"
KAFKA_DEFAULT_BROKERS="127.0.0.1:9092"
KAFKA_BROKERS="${KAFKA_BROKERS:-$KAFKA_DEFAULT_BROKERS}"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION" # lib/ data/ logs/ server.properties
KAFKA_PID_FILE="$RUN_DIR/kafka.pid"
KAFKA_VERSION_FILE="$RUN_DIR/kafka.version"
KAFKA_READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
# Fixed cluster id (base64url of the 16 bytes "chainwatch-local") so a wiped
# and re-formatted broker looks like the same cluster to long-running clients.
KAFKA_CLUSTER_ID="Y2hhaW53YXRjaC1sb2NhbA"

REDIS_PID_FILE="$RUN_DIR/redis.pid"
PG_STARTED_FILE="$RUN_DIR/postgres.cluster"

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# ---------------------------------------------------------------- helpers --

say() { printf '%s\n' "$*"; }
err() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }
have() { command -v "$1" >/dev/null 2>&1; }

# Bash's /dev/tcp needs no netcat; `timeout` guards against SYNs into a void.
# shellcheck disable=SC2016 # $0/$1 expand in the inner bash
tcp_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# An open port is not proof of a broker (something else may squat 9092, and a
# starting broker binds before it serves). Send a Kafka ApiVersions v0 request
# and require a response with our correlation id: that is the broker itself
# answering. Any error code counts — even UNSUPPORTED_VERSION proves "Kafka".
# shellcheck disable=SC2016 # $0/$1 expand in the inner bash
kafka_answers() {
  local reply
  reply=$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    # size=12 | api_key=18 (ApiVersions) | version=0 | correlation=0x63770001 | client_id="cw"
    printf "\x00\x00\x00\x0c\x00\x12\x00\x00\x63\x77\x00\x01\x00\x02cw" >&3
    head -c 10 <&3 | od -An -v -tx1 | tr -d " \n"
  ' "$1" "$2" 2>/dev/null) || return 1
  # response = size(4) correlation_id(4) error_code(2), as hex
  [[ "$reply" =~ ^[0-9a-f]{8}63770001[0-9a-f]{4}$ ]]
}

# "PLAINTEXT://h:p" / "h:p" / "[::1]:p" -> "h p"
split_hostport() {
  local hp="${1#*://}"
  hp="${hp%%/*}"
  local host="${hp%:*}" port="${hp##*:}"
  host="${host#[}"
  host="${host%]}"
  printf '%s %s\n' "$host" "$port"
}

# Only ever signal processes we can prove are ours: pid files outlive reboots
# and pids get recycled.
pid_alive_matching() { # pid pattern
  [[ -n "$1" && -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"
}

stop_pid() { # name pid grace_seconds
  local name="$1" pid="$2" grace="$3" t0
  t0=$(now)
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < grace * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || { say "$name: stopped (pid $pid) in $(since "$t0")"; return 0; }
    sleep 0.25
  done
  err "$name: did not stop within ${grace}s, sending SIGKILL to pid $pid"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
  say "$name: killed (pid $pid)"
}

is_local_host() { [[ "$1" == 127.* || "$1" == localhost || "$1" == ::1 || -z "$1" ]]; }

# ------------------------------------------------------------------ kafka --

kafka_is_default_target() {
  [[ "$KAFKA_BROKERS" == "$KAFKA_DEFAULT_BROKERS" || "$KAFKA_BROKERS" == "localhost:9092" ]]
}

kafka_pid() {
  local pid
  pid=$(cat "$KAFKA_PID_FILE" 2>/dev/null) || return 1
  pid_alive_matching "$pid" 'kafka\.Kafka' && echo "$pid"
}

kafka_running_version() { cat "$KAFKA_VERSION_FILE" 2>/dev/null || echo "unknown version"; }

# Any broker in the list answering is enough for clients to bootstrap.
kafka_external_answers() {
  local b host port
  for b in ${KAFKA_BROKERS//,/ }; do
    read -r host port <<<"$(split_hostport "$b")"
    kafka_answers "$host" "$port" && return 0
  done
  return 1
}

java_major() {
  "$JAVA" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == 1 ? v[2] : v[1]); exit }'
}

kafka_check_java() {
  local need=11 have_v
  [[ "${KAFKA_VERSION%%.*}" -ge 4 ]] && need=17 # Kafka 4.x brokers require Java 17
  if ! have "$JAVA"; then
    err "kafka: java not found. Install Java $need+ and Maven (Debian: apt-get install openjdk-17-jre-headless maven)"
    return 1
  fi
  have_v=$(java_major)
  if [[ -z "$have_v" || "$have_v" -lt "$need" ]]; then
    err "kafka: Kafka $KAFKA_VERSION needs Java $need+, found '${have_v:-?}' at $JAVA (set JAVA_HOME)"
    return 1
  fi
}

kafka_ensure_jars() {
  local lib="$KAFKA_HOME/lib" t0
  # The marker is written last, so an interrupted download is redone rather
  # than half-used (a missing jar shows up only as a ClassNotFound at runtime).
  [[ -f "$lib/.complete" ]] && return 0
  if ! have mvn; then
    err "kafka: mvn not found and no cached jars in $lib (Debian: apt-get install maven)"
    return 1
  fi
  say "kafka: downloading jars via mvn (first run only)..."
  t0=$(now)
  mkdir -p "$KAFKA_HOME"
  rm -rf "$lib.tmp"
  if ! mvn -B -q -f "$HERE/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib.tmp" \
      >"$KAFKA_HOME/mvn.log" 2>&1 9>&-; then
    err "kafka: mvn could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (is that version on Maven Central?)"
    # Debian's mvn still emits ANSI resets in batch mode; strip them to grep.
    sed 's/\x1b\[[0-9;]*m//g' "$KAFKA_HOME/mvn.log" | grep -m 2 -E '^\[ERROR\] [A-Z]' >&2 ||
      tail -n 20 "$KAFKA_HOME/mvn.log" >&2
    err "kafka: full mvn output: $KAFKA_HOME/mvn.log"
    return 1
  fi
  touch "$lib.tmp/.complete"
  rm -rf "$lib"
  mv "$lib.tmp" "$lib"
  say "kafka: jars cached in $lib ($(find "$lib" -name '*.jar' | wc -l) jars, $(since "$t0"))"
}

# Log files are appended across restarts; show only what this start wrote so
# an old run's lines don't masquerade as the cause.
kafka_log_marks() {
  local f
  for f in server.log kafka.out; do
    echo "$f $(stat -c %s "$KAFKA_HOME/logs/$f" 2>/dev/null || echo 0)"
  done
}

kafka_fail_with_logs() { # message marks
  err "kafka: $1"
  local f off path
  while read -r f off; do
    path="$KAFKA_HOME/logs/$f"
    [[ -s "$path" ]] || continue
    (($(stat -c %s "$path") >= off)) || off=0 # rotated meanwhile
    [[ $(stat -c %s "$path") -gt $off ]] || continue
    err "---- last lines of $path ----"
    tail -c +"$((off + 1))" "$path" | tail -n 25 >&2
  done <<<"$2"
  return 1
}

kafka_up() {
  local pid t0 host port

  if ! kafka_is_default_target; then
    if kafka_external_answers; then
      say "kafka: using external broker(s) $KAFKA_BROKERS"
      return 0
    fi
    err "kafka: KAFKA_BROKERS=$KAFKA_BROKERS does not answer (unset it to run a local broker)"
    return 1
  fi

  read -r host port <<<"$(split_hostport "$KAFKA_DEFAULT_BROKERS")"
  if kafka_answers "$host" "$port"; then
    if pid=$(kafka_pid); then
      say "kafka: already running on $host:$port ($(kafka_running_version), pid $pid)"
      # One broker owns 9092, so a different KAFKA_VERSION needs a restart.
      [[ "$(kafka_running_version)" == "$KAFKA_VERSION" ]] ||
        say "kafka: note: KAFKA_VERSION=$KAFKA_VERSION requested; run 'services.sh down' first to switch"
    else
      say "kafka: already running on $host:$port (not started by this script)"
    fi
    return 0
  fi

  t0=$(now)
  local marks
  marks=$(kafka_log_marks)
  # A live pid without an answering port means a previous `up` is still
  # booting the broker: wait for it instead of launching a second one.
  if ! pid=$(kafka_pid); then
    if tcp_open "$host" "$port" || tcp_open 127.0.0.1 9093; then
      err "kafka: port 9092 or 9093 is taken by something that is not a Kafka broker; free it first"
      return 1
    fi
    kafka_check_java || return 1
    kafka_ensure_jars || return 1
    kafka_start || return 1
    pid=$KAFKA_STARTED_PID
  else
    say "kafka: broker (pid $pid) is still starting; waiting"
  fi

  local deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
  until kafka_answers "$host" "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$KAFKA_PID_FILE" "$KAFKA_VERSION_FILE"
      kafka_fail_with_logs "broker process exited during start-up" "$marks"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      kafka_fail_with_logs "not ready on $host:$port after ${KAFKA_READY_TIMEOUT}s (pid $pid still running; 'services.sh down' to stop it)" "$marks"
      return 1
    fi
    sleep 0.5
  done
  say "kafka: ready on $host:$port ($(kafka_running_version), pid $pid) in $(since "$t0")"
}

# Sets KAFKA_STARTED_PID (not echoed: a $(...) capture would swallow progress
# lines and tie the broker's lifetime to a pipe).
kafka_start() {
  local lib="$KAFKA_HOME/lib" data="$KAFKA_HOME/data" logs="$KAFKA_HOME/logs"
  local props="$KAFKA_HOME/server.properties"
  mkdir -p "$data" "$logs" "$RUN_DIR"

  # Regenerated on every start so edits to the repo copy take effect.
  { cat "$HERE/kafka/server.properties"; printf '\nlog.dirs=%s\n' "$data"; } >"$props"

  # shellcheck disable=SC2206 # KAFKA_HEAP_OPTS is a list of flags
  local -a jvm=(
    $KAFKA_HEAP_OPTS
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true
    -Dkafka.logs.dir="$logs"
    -Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties"
    -cp "$lib/*"
  )

  # KRaft refuses to start on an unformatted log dir; formatting again would
  # fail (or, forced, lose data), so only do it for a fresh data dir.
  if [[ ! -f "$data/meta.properties" ]]; then
    say "kafka: formatting new data dir $data"
    if ! "$JAVA" "${jvm[@]}" kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$props" \
        >"$logs/format.log" 2>&1 9>&-; then
      err "kafka: storage format failed:"
      tail -n 20 "$logs/format.log" >&2
      return 1
    fi
  fi

  say "kafka: starting $KAFKA_VERSION (data and logs in $KAFKA_HOME)"
  # setsid: own session, so the broker survives this script, its terminal and
  # a Ctrl-C aimed at the caller. 9>&- : don't inherit the lock fd, or every
  # later `up`/`down` would block until the broker exits.
  setsid nohup "$JAVA" "${jvm[@]}" kafka.Kafka "$props" \
    >>"$logs/kafka.out" 2>&1 </dev/null 9>&- &
  KAFKA_STARTED_PID=$!
  echo "$KAFKA_STARTED_PID" >"$KAFKA_PID_FILE"
  echo "$KAFKA_VERSION" >"$KAFKA_VERSION_FILE"
}

kafka_down() {
  local pid
  if ! kafka_is_default_target; then
    say "kafka: external broker(s) $KAFKA_BROKERS, nothing to stop"
    return 0
  fi
  if pid=$(kafka_pid); then
    # A graceful stop flushes segments and snapshots KRaft metadata, which
    # keeps the next start fast (no log recovery).
    stop_pid kafka "$pid" 30
  elif kafka_answers 127.0.0.1 9092; then
    say "kafka: running on 127.0.0.1:9092 but not started by this script; leaving it alone"
  else
    say "kafka: not running"
  fi
  rm -f "$KAFKA_PID_FILE" "$KAFKA_VERSION_FILE"
}

kafka_status() {
  local pid
  if ! kafka_is_default_target; then
    if kafka_external_answers; then say "kafka: up (external $KAFKA_BROKERS)"; return 0; fi
    say "kafka: DOWN (external $KAFKA_BROKERS does not answer)"; return 1
  fi
  if kafka_answers 127.0.0.1 9092; then
    if pid=$(kafka_pid); then
      say "kafka: up on 127.0.0.1:9092 ($(kafka_running_version), pid $pid, data $CACHE_DIR/kafka-$(kafka_running_version)/data)"
    else
      say "kafka: up on 127.0.0.1:9092 (not started by this script)"
    fi
    return 0
  fi
  if pid=$(kafka_pid); then say "kafka: starting (pid $pid), not answering yet"; return 1; fi
  say "kafka: DOWN"
  return 1
}

kafka_reset() {
  kafka_down
  say "kafka: wiping $KAFKA_HOME/data and logs (jars kept)"
  rm -rf "$KAFKA_HOME/data" "$KAFKA_HOME/logs" "$KAFKA_HOME/server.properties"
}

# ------------------------------------------------------------------ redis --

redis_target() { # -> "host port"
  if [[ -n "${REDIS_URL:-}" && "$REDIS_URL" =~ ^rediss?://([^@/]*@)?(\[[^]]*\]|[^:/]*)(:([0-9]+))? ]]; then
    local h="${BASH_REMATCH[2]#[}"
    h="${h%]}"
    printf '%s %s\n' "${h:-127.0.0.1}" "${BASH_REMATCH[4]:-6379}"
  else
    echo "127.0.0.1 6379"
  fi
}

redis_ready() { # host port
  if have redis-cli; then
    local -a args=(-h "$1" -p "$2")
    [[ -n "${REDIS_URL:-}" ]] && args=(-u "$REDIS_URL") # carries password / db
    [[ "$(timeout 3 redis-cli "${args[@]}" ping 2>/dev/null)" == PONG ]]
  else
    tcp_open "$1" "$2"
  fi
}

redis_up() {
  local host port
  read -r host port <<<"$(redis_target)"
  if redis_ready "$host" "$port"; then say "redis: ready on $host:$port"; return 0; fi
  if ! is_local_host "$host"; then
    err "redis: $host:$port (from REDIS_URL) does not answer"
    return 1
  fi
  if ! have redis-server; then
    err "redis: nothing on $host:$port and redis-server is not installed (Debian: apt-get install redis-server redis-tools)"
    return 1
  fi
  local t0 dir="$CACHE_DIR/redis"
  t0=$(now)
  mkdir -p "$dir" "$RUN_DIR"
  local bind=127.0.0.1
  [[ "$host" == 127.* ]] && bind=$host
  say "redis: starting redis-server on $bind:$port"
  # Dev/test cache only: no persistence, so a restart is a clean slate.
  if ! redis-server --daemonize yes --bind "$bind" --port "$port" \
      --dir "$dir" --pidfile "$REDIS_PID_FILE" --logfile "$dir/redis.log" \
      --save "" --appendonly no 9>&-; then
    err "redis: redis-server failed to start (see $dir/redis.log)"
    return 1
  fi
  for ((i = 0; i < 40; i++)); do
    redis_ready "$host" "$port" && { say "redis: ready on $host:$port in $(since "$t0")"; return 0; }
    sleep 0.25
  done
  err "redis: started but not answering on $host:$port; log:"
  tail -n 20 "$dir/redis.log" >&2 || true
  return 1
}

redis_down() {
  local pid
  pid=$(cat "$REDIS_PID_FILE" 2>/dev/null || true)
  if pid_alive_matching "$pid" redis-server; then
    stop_pid redis "$pid" 10
  else
    say "redis: not started by this script, leaving it alone"
  fi
  rm -f "$REDIS_PID_FILE"
}

redis_status() {
  local host port
  read -r host port <<<"$(redis_target)"
  if redis_ready "$host" "$port"; then say "redis: up on $host:$port"; return 0; fi
  say "redis: DOWN ($host:$port)"
  return 1
}

# --------------------------------------------------------------- postgres --

pg_target() { # -> "host port"
  if [[ -n "${DATABASE_URL:-}" && "$DATABASE_URL" =~ ^postgres(ql)?://([^@/]*@)?(\[[^]]*\]|[^:/?]*)(:([0-9]+))? ]]; then
    local h="${BASH_REMATCH[3]#[}"
    h="${h%]}"
    # An empty host (socket URL) must not collapse the "host port" pair.
    printf '%s %s\n' "${h:-localhost}" "${BASH_REMATCH[5]:-5432}"
  else
    echo "127.0.0.1 5432"
  fi
}

pg_ready() { # host port
  if have pg_isready; then
    if [[ -n "${DATABASE_URL:-}" ]]; then
      pg_isready -q -t 3 -d "$DATABASE_URL"
    else
      pg_isready -q -t 3 -h "$1" -p "$2"
    fi
  else
    tcp_open "${1:-127.0.0.1}" "$2"
  fi
}

pg_up() {
  local host port
  read -r host port <<<"$(pg_target)"
  if pg_ready "$host" "$port"; then say "postgres: ready on $host:$port"; return 0; fi
  if ! is_local_host "$host"; then
    err "postgres: $host:$port (from DATABASE_URL) does not answer"
    return 1
  fi
  if ! have pg_ctlcluster || ! have pg_lsclusters; then
    err "postgres: nothing on $host:$port and no PostgreSQL server installed (Debian: apt-get install postgresql postgresql-client)"
    return 1
  fi
  # Only the cluster configured for the wanted port can help; starting any
  # other one would "succeed" and still leave $port dead.
  local ver="" name="" clusters
  clusters=$(pg_lsclusters -h 2>/dev/null || true)
  read -r ver name < <(awk -v p="$port" '$3 == p { print $1, $2; exit }' <<<"$clusters") || true
  if [[ -z "$ver" ]]; then
    if [[ -z "$clusters" ]]; then
      err "postgres: server installed but no cluster exists (create one: pg_createcluster <version> main --start)"
    else
      err "postgres: no cluster configured on port $port; existing: $(awk '{ printf "%s/%s:%s(%s) ", $1, $2, $3, $4 }' <<<"$clusters")"
    fi
    return 1
  fi
  local t0
  t0=$(now)
  say "postgres: starting cluster $ver/$name"
  # --skip-systemctl-redirect: works without systemd (containers, CI).
  if ! pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start 9>&-; then
    err "postgres: pg_ctlcluster $ver $name start failed (see /var/log/postgresql/)"
    return 1
  fi
  mkdir -p "$RUN_DIR"
  echo "$ver $name" >"$PG_STARTED_FILE"
  for ((i = 0; i < 60; i++)); do
    pg_ready "$host" "$port" && { say "postgres: ready on $host:$port in $(since "$t0")"; return 0; }
    sleep 0.5
  done
  err "postgres: cluster $ver/$name started but $host:$port does not accept connections"
  return 1
}

pg_down() {
  local ver name
  if [[ -f "$PG_STARTED_FILE" ]] && read -r ver name <"$PG_STARTED_FILE"; then
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" stop 9>&- && say "postgres: stopped cluster $ver/$name"
  else
    say "postgres: not started by this script, leaving it alone"
  fi
  rm -f "$PG_STARTED_FILE"
}

pg_status() {
  local host port
  read -r host port <<<"$(pg_target)"
  if pg_ready "$host" "$port"; then say "postgres: up on $host:$port"; return 0; fi
  say "postgres: DOWN ($host:$port)"
  return 1
}

# ------------------------------------------------------------------- main --

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# Parallel test runners may all call `up`; serialise so only one launches
# Kafka. Spawned daemons close fd 9 (see 9>&-) so they don't hold the lock.
take_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/services.lock"
  if have flock && ! flock -w 180 9; then
    err "services: another services.sh holds $RUN_DIR/services.lock for >180s"
    exit 1
  fi
}

main() {
  local cmd="${1:-}" best_effort=0
  shift || true
  for arg in "$@"; do
    case "$arg" in
      --best-effort) best_effort=1 ;;
      -h | --help) usage; exit 0 ;;
      *) err "unknown option: $arg"; usage >&2; exit 2 ;;
    esac
  done
  # CI must never go green with a service silently missing.
  if [[ "${CI:-}" == true && $best_effort == 1 ]]; then
    say "services: CI=true, ignoring --best-effort"
    best_effort=0
  fi

  case "$cmd" in
    up)
      take_lock
      local -a failed=()
      kafka_up || failed+=(kafka)
      redis_up || failed+=(redis)
      pg_up || failed+=(postgres)
      if ((${#failed[@]})); then
        if ((best_effort)); then
          err "services: WARNING: not available: ${failed[*]} (continuing: --best-effort)"
          return 0
        fi
        err "services: FAILED: not available: ${failed[*]}"
        return 1
      fi
      ;;
    down)
      take_lock
      kafka_down
      redis_down
      pg_down
      ;;
    status)
      local rc=0
      kafka_status || rc=1
      redis_status || rc=1
      pg_status || rc=1
      return $rc
      ;;
    reset)
      take_lock
      kafka_reset
      ;;
    -h | --help | help) usage ;;
    *) usage >&2; return 2 ;;
  esac
}

main "$@"
