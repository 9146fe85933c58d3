#!/usr/bin/env bash
# A real one-node Slurm cluster for dagron's Slurm executor tests.
#
#   scripts/slurm-cluster.sh start    install (if missing), configure and start it;
#                                     already up: only re-checks that the node is usable
#   scripts/slurm-cluster.sh env      print the exports a client needs:
#                                     eval "$(scripts/slurm-cluster.sh env)"
#   scripts/slurm-cluster.sh status   say whether it is up (exit 0 up, 3 down)
#   scripts/slurm-cluster.sh stop     cancel its jobs, stop its daemons (idempotent)
#
# Debian's slurm-wlm (22.05) and munge, plus slurmdbd on a private MariaDB so
# that `sacct` works. Made for containers without systemd: every daemon is
# started here in the background, as root (SlurmUser=root), with all its
# configuration, state, spool, logs, sockets and pid files in one folder:
# ${DAGRON_SLURM_DIR:-$PWD/.build/slurm} (`.build` is gitignored). Nothing is
# written to /etc except what the packages' own installation writes there.
#
# Settings (environment):
#   DAGRON_SLURM_DIR         the state folder (default $PWD/.build/slurm)
#   DAGRON_SLURM_PORT        first of four consecutive TCP ports on 127.0.0.1 for
#                            slurmctld, slurmd, slurmdbd and MariaDB (default 16817;
#                            the next free block is used when one is taken)
#   DAGRON_SLURM_ACCOUNTING  1 (default): slurmdbd + MariaDB, `sacct` works;
#                            0: no accounting, `scontrol show job` is the only record
set -euo pipefail

# slurmctld, slurmd, munged and mariadbd live in /usr/sbin, which a non-root
# PATH often lacks.
export PATH="$PATH:/usr/sbin:/sbin"

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

state_dir="${DAGRON_SLURM_DIR:-$PWD/.build/slurm}"
mkdir -p "$state_dir"
state_dir="$(cd "$state_dir" && pwd -P)"
accounting="${DAGRON_SLURM_ACCOUNTING:-1}"

conf_dir="$state_dir/etc"
conf="$conf_dir/slurm.conf"
dbd_conf="$conf_dir/slurmdbd.conf"
run_dir="$state_dir/run"
log_dir="$state_dir/log"
munge_key="$conf_dir/munge.key"
mysql_dir="$state_dir/mysql"

# A Unix socket path is limited to 108 bytes. A deep checkout would overflow
# it, so the sockets then go to a short folder in /tmp named after the state
# folder (the same state folder always gets the same socket folder).
socket_dir="$run_dir"
if [ ${#socket_dir} -gt 80 ]; then
  socket_dir="/tmp/dagron-slurm-$(printf '%s' "$state_dir" | md5sum | cut -c1-12)"
fi
munge_socket="$socket_dir/munge.socket"
mysql_socket="$socket_dir/mysqld.sock"

# Every daemon this script starts, in start order, with its pid file and the
# name its process has in /proc/PID/comm (checked before a signal is sent, so a
# pid reused by an unrelated process is never killed).
daemon_pidfile() { echo "$run_dir/$1.pid"; }
daemon_comm() {
  case "$1" in
    mysqld) echo mariadbd ;;
    *) echo "$1" ;;
  esac
}
all_daemons() {
  echo munged
  if [ "$accounting" = 1 ] || [ -s "$(daemon_pidfile mysqld)" ]; then echo mysqld; fi
  if [ "$accounting" = 1 ] || [ -s "$(daemon_pidfile slurmdbd)" ]; then echo slurmdbd; fi
  echo slurmctld
  echo slurmd
}

log() { echo "slurm-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The pid of a running daemon we started, or nothing.
daemon_pid() {
  local pidfile pid comm
  pidfile="$(daemon_pidfile "$1")"
  [ -s "$pidfile" ] || return 0
  pid="$(tr -dc '0-9' < "$pidfile")"
  [ -n "$pid" ] || return 0
  comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
  # A zombie still has its comm; it is not running.
  if [ "$comm" = "$(daemon_comm "$1")" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then
    echo "$pid"
  fi
}

# The last lines of every log, for a failure message.
show_logs() {
  local f
  for f in "$log_dir"/*.log; do
    [ -e "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -n 15 "$f" >&2
  done
}

# Installs the packages if a program is missing: slurm-wlm and munge always,
# slurmdbd and mariadb-server for accounting.
install_packages() {
  local need=()
  command -v sbatch >/dev/null && command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
    || need+=(slurm-wlm)
  command -v munged >/dev/null || need+=(munge)
  if [ "$accounting" = 1 ]; then
    command -v slurmdbd >/dev/null || need+=(slurmdbd)
    command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null || need+=(mariadb-server)
  fi
  [ ${#need[@]} -gt 0 ] || return 0
  log "installing ${need[*]}"
  $SUDO apt-get update -qq
  # The packages' maintainer scripts try to start services; without an init
  # system they just say so, which is harmless: we start our own daemons.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
}

# True when something already listens on 127.0.0.1:$1.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Chooses four consecutive free ports, below Linux's ephemeral range
# (32768-60999) so that an outgoing connection never holds one of them.
choose_ports() {
  local base="${DAGRON_SLURM_PORT:-16817}" tries=0
  while port_taken "$base" || port_taken $((base + 1)) || port_taken $((base + 2)) || port_taken $((base + 3)); do
    tries=$((tries + 1))
    [ $tries -lt 50 ] || die "no four free consecutive ports from ${DAGRON_SLURM_PORT:-16817} on; set DAGRON_SLURM_PORT"
    base=$((base + 4))
  done
  ctld_port=$base
  slurmd_port=$((base + 1))
  dbd_port=$((base + 2))
  mysql_port=$((base + 3))
}

# Describes this machine: the node is named after `hostname -s` (slurmctld
# insists that SlurmctldHost is its own host name), reached at 127.0.0.1 (the
# name need not resolve). The CPU topology comes from `slurmd -C` (what slurmd
# will report), multiplied for a test cluster (below), memory a bit under
# what it reports (a configuration claiming more memory makes the node drain).
write_config() {
  local host detected cpus boards sockets cores threads mem
  host="$(hostname -s)"
  detected="$(slurmd -C 2>/dev/null | head -n 1 || true)"
  field() { printf '%s\n' "$detected" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  cpus="$(field CPUs)"; boards="$(field Boards)"; sockets="$(field SocketsPerBoard)"
  cores="$(field CoresPerSocket)"; threads="$(field ThreadsPerCore)"; mem="$(field RealMemory)"
  if [ -z "$cpus" ] || [ -z "$mem" ]; then
    # slurmd -C failed: nproc and /proc/meminfo, one socket of single-thread cores.
    cpus="$(nproc)"; boards=1; sockets=1; cores="$cpus"; threads=1
    mem=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))
  fi
  # 95 % of the memory, at least 1 MB less: slurmd's own figure moves a little.
  mem=$(( mem * 95 / 100 ))
  # A test cluster on a small machine: the node offers DAGRON_SLURM_CPU_FACTOR
  # (default 8) times its cores, so the short jobs of the tests and of the
  # benchmark run many at a time instead of two per scheduling pass (with
  # the real count, 200 `true` jobs took 50 s on 2 cores); slurmd accepts
  # the claim through SlurmdParameters=config_overrides.
  local factor="${DAGRON_SLURM_CPU_FACTOR:-8}"
  cores=$(( cores * factor )); cpus=$(( cpus * factor ))
  node_name="$host"

  mkdir -p "$conf_dir" "$run_dir" "$socket_dir" "$log_dir" "$state_dir/ctld" "$state_dir/spool/$node_name" "$state_dir/tmp"

  local accounting_lines
  if [ "$accounting" = 1 ]; then
    accounting_lines="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=$host
AccountingStoragePort=$dbd_port
# For slurmdbd connections (slurmctld's and sacct's) this names the munge
# socket; without it they look for munged at /run/munge and fail.
AccountingStoragePass=$munge_socket
# No AccountingStorageEnforce: jobs run without an association (no sacctmgr set-up); sacct still lists them.
JobCompType=jobcomp/none"
  else
    accounting_lines="# No accounting: sacct has nothing to show; scontrol show job is the record.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none"
  fi

  cat > "$conf.new" <<EOF
# Written by scripts/slurm-cluster.sh for this machine; rewritten at each fresh start.
ClusterName=dagron
SlurmctldHost=$host(127.0.0.1)
NodeName=$node_name NodeAddr=127.0.0.1 CPUs=$cpus Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node_name Default=YES MaxTime=INFINITE State=UP

# Everything runs as root; no cgroups (the container's may be read-only).
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
# No mail is ever sent; an existing program keeps slurmctld from complaining.
MailProg=/bin/true
SwitchType=switch/none
SlurmdParameters=config_overrides

# Cores and memory are consumable, so jobs sized with --cpus-per-task/--mem run
# side by side; a job that gives no --mem gets DefMemPerCPU per CPU (not the
# whole node, which would make jobs run one at a time).
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256

# Fast turnaround: no batching of submissions, back-fill every second (its
# minimum), no grace periods at the end of a job. Measured here: 200
# "sbatch --wrap true" jobs are submitted in ~1-2 s and all done in ~50 s. A job
# runs in ~40 ms; the rest is slurmctld starting at most two (the cores) per
# scheduling pass, a pass about every 0.5 s (sched_interval=1 did not help).
# Time limits have a granularity of one minute (--time=0:05 is one minute)
# and are enforced by a check every ~30 s.
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1,default_queue_depth=1000
MessageTimeout=10
KillWait=2
OverTimeLimit=0
CompleteWait=0
InactiveLimit=0
SlurmdTimeout=60
SlurmctldTimeout=60
# A node that was down comes back by itself when its slurmd registers again.
ReturnToService=2
# No requeue after a node failure: a job runs at most once.
JobRequeue=0
# Finished jobs stay visible to scontrol show job for an hour.
MinJobAge=3600
MaxJobCount=100000

$accounting_lines

StateSaveLocation=$state_dir/ctld
SlurmdSpoolDir=$state_dir/spool/%n
TmpFS=$state_dir/tmp
SlurmctldPidFile=$(daemon_pidfile slurmctld)
SlurmdPidFile=$(daemon_pidfile slurmd)
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
EOF
  mv "$conf.new" "$conf"

  if [ "$accounting" = 1 ]; then
    # slurmdbd reads slurmdbd.conf from SLURM_CONF's folder and refuses one
    # that others can read (it holds the database password).
    ( umask 077
      cat > "$dbd_conf" <<EOF
# Written by scripts/slurm-cluster.sh.
AuthType=auth/munge
AuthInfo=socket=$munge_socket
DbdHost=$host
DbdAddr=127.0.0.1
DbdPort=$dbd_port
SlurmUser=root
PidFile=$(daemon_pidfile slurmdbd)
LogFile=$log_dir/slurmdbd.log
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$mysql_port
StorageUser=root
StorageLoc=slurm_acct_db
EOF
    )
    chmod 600 "$dbd_conf"
  fi
}

# The munge key is made once per state folder; munged wants it private to its user.
make_munge_key() {
  [ -s "$munge_key" ] && return 0
  ( umask 077
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile="$munge_key" --force
    else
      dd if=/dev/urandom of="$munge_key" bs=1 count=1024 status=none
    fi )
  chmod 600 "$munge_key"
}

start_munged() {
  [ -n "$(daemon_pid munged)" ] && return 0
  rm -f "$munge_socket" "$munge_socket.lock"
  # --force: run although the folders are not the packaged ones under /etc and /run.
  munged --force \
    --socket="$munge_socket" --key-file="$munge_key" \
    --pid-file="$(daemon_pidfile munged)" --log-file="$log_dir/munged.log" \
    --seed-file="$state_dir/munged.seed" </dev/null >>"$log_dir/munged.log" 2>&1 \
    || { show_logs; die "munged did not start"; }
  wait_for "munge answers" 20 munged munge_answers
}
munge_answers() { munge -n -S "$munge_socket" </dev/null | unmunge -S "$munge_socket" >/dev/null 2>&1; }

# A private MariaDB for slurmdbd: its own data folder, socket and port on 127.0.0.1.
start_mysqld() {
  [ -n "$(daemon_pid mysqld)" ] && return 0
  if [ ! -d "$mysql_dir/mysql" ]; then
    rm -rf "$mysql_dir"
    # root@localhost and root@127.0.0.1 without a password: only this
    # machine's users can reach the port, and the data is throw-away.
    mariadb-install-db --no-defaults --user=root --datadir="$mysql_dir" \
      --auth-root-authentication-method=normal --skip-test-db \
      </dev/null >>"$log_dir/mysqld.log" 2>&1 || { show_logs; die "mariadb-install-db failed"; }
  fi
  rm -f "$mysql_socket"
  # mariadbd does not fork: setsid puts it in its own session, detached from
  # the caller's terminal and pipes. It writes its own pid file.
  setsid mariadbd --no-defaults --user=root --datadir="$mysql_dir" \
    --socket="$mysql_socket" --port="$mysql_port" --bind-address=127.0.0.1 \
    --pid-file="$(daemon_pidfile mysqld)" --log-error="$log_dir/mysqld.log" \
    --innodb-buffer-pool-size=64M --skip-name-resolve \
    </dev/null >>"$log_dir/mysqld.log" 2>&1 &
  wait_for "MariaDB answers" 30 mysqld mysql_answers
}
mysql_answers() {
  [ -n "$(daemon_pid mysqld)" ] && mariadb-admin --no-defaults --socket="$mysql_socket" -uroot ping >/dev/null 2>&1
}

start_slurmdbd() {
  [ -n "$(daemon_pid slurmdbd)" ] && return 0
  SLURM_CONF="$conf" slurmdbd </dev/null >>"$log_dir/slurmdbd.log" 2>&1 \
    || { show_logs; die "slurmdbd did not start"; }
  wait_for "slurmdbd listens" 30 slurmdbd port_taken "$dbd_port"
}

start_slurmctld() {
  [ -n "$(daemon_pid slurmctld)" ] && return 0
  # -c: no state from an earlier run; each fresh start is an empty queue.
  SLURM_CONF="$conf" slurmctld -c -f "$conf" </dev/null >>"$log_dir/slurmctld.log" 2>&1 \
    || { show_logs; die "slurmctld did not start"; }
  wait_for "slurmctld answers" 30 slurmctld ctld_answers
}
ctld_answers() { SLURM_CONF="$conf" scontrol ping 2>/dev/null | grep -q 'is UP'; }

start_slurmd() {
  [ -n "$(daemon_pid slurmd)" ] && return 0
  # -N: the node's name as written in slurm.conf, whatever the resolver says.
  SLURM_CONF="$conf" slurmd -f "$conf" -N "$node_name" </dev/null >>"$log_dir/slurmd.log" 2>&1 \
    || { show_logs; die "slurmd did not start"; }
}

# wait_for WHAT SECONDS DAEMON COMMAND...: polls COMMAND every 0.2 s; fails
# at once when DAEMON (which should answer) is no longer running.
wait_for() {
  local what="$1" seconds="$2" daemon="$3" deadline
  shift 3
  deadline=$(( $(date +%s) + seconds ))
  until "$@"; do
    # (A daemon writes its pid file a moment after it starts.)
    if [ -s "$(daemon_pidfile "$daemon")" ] && [ -z "$(daemon_pid "$daemon")" ]; then
      sleep 0.5
      show_logs
      die "$daemon exited while waiting until $what"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      show_logs
      die "timed out after ${seconds}s waiting until $what"
    fi
    sleep 0.2
  done
}

# The node's state as sinfo prints it (idle, mixed, down*, drained, ...).
node_state() { SLURM_CONF="$conf" sinfo --noheader --nodes="$node_name" --format='%T' 2>/dev/null | head -n 1; }

# Waits until the node takes jobs; a node that comes up down or drained
# (e.g. left so by an earlier run) is resumed.
wait_node_ready() {
  local deadline state resumed=0
  deadline=$(( $(date +%s) + 60 ))
  while :; do
    state="$(node_state)"
    case "$state" in
      idle|mixed|allocated|completing) return 0 ;;
      down|down\*|drain*|drained*|fail*)
        if [ $resumed -lt 5 ] && [ -n "$(daemon_pid slurmd)" ]; then
          log "node $node_name is $state; resuming it"
          SLURM_CONF="$conf" scontrol update NodeName="$node_name" State=RESUME >/dev/null 2>&1 || true
          resumed=$((resumed + 1))
        fi ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
      show_logs
      SLURM_CONF="$conf" scontrol show node "$node_name" >&2 || true
      die "node $node_name is '${state:-unknown}' after 60s, not idle"
    fi
    sleep 0.2
  done
}

# The node name of the running cluster, read back from its configuration.
read_node_name() { sed -n 's/^NodeName=\([^ ]*\).*/\1/p' "$conf" 2>/dev/null | head -n 1; }

is_up() {
  [ -s "$conf" ] || return 1
  local d
  for d in $(all_daemons); do
    [ -n "$(daemon_pid "$d")" ] || return 1
  done
}

cmd_start() {
  local started f
  started=$(date +%s)
  install_packages
  if is_up; then
    node_name="$(read_node_name)"
    wait_node_ready
    log "already up ($state_dir); node $node_name $(node_state)"
    return 0
  fi
  # Partly up (a daemon died): start over cleanly.
  cmd_stop quiet
  choose_ports
  # The previous run's logs are kept as *.log.old; the new ones start empty,
  # so that a failure shows this run's lines.
  mkdir -p "$log_dir"
  for f in "$log_dir"/*.log; do [ -e "$f" ] && mv -f "$f" "$f.old"; done
  write_config
  make_munge_key
  start_munged
  if [ "$accounting" = 1 ]; then
    start_mysqld
    start_slurmdbd
  fi
  start_slurmctld
  start_slurmd
  wait_node_ready
  log "up in $(( $(date +%s) - started ))s: node $node_name $(node_state), slurmctld on 127.0.0.1:$ctld_port, state in $state_dir"
}

# Sends SIGTERM, waits up to 30 s for the process to go, then SIGKILL.
stop_daemon() {
  local name="$1" pid i
  pid="$(daemon_pid "$name")"
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 150); do
      [ -n "$(daemon_pid "$name")" ] || break
      sleep 0.2
    done
    if [ -n "$(daemon_pid "$name")" ]; then
      log "$name ($pid) ignored SIGTERM for 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$(daemon_pidfile "$name")"
}

cmd_stop() {
  local quiet="${1:-}" i
  # The jobs first: slurmstepd (the job's parent) outlives slurmd, so the
  # cluster's jobs are cancelled while slurmd can still end them.
  if [ -n "$(daemon_pid slurmctld)" ] && [ -n "$(daemon_pid slurmd)" ]; then
    SLURM_CONF="$conf" scancel --quiet --user="$(id -un)" 2>/dev/null || true
    for i in $(seq 75); do
      [ -z "$(SLURM_CONF="$conf" squeue --noheader --format=%i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  # Reverse start order: slurmd before slurmctld, accounting after it (which
  # flushes its records to slurmdbd), munged last (the others need it to talk).
  local d
  for d in slurmd slurmctld slurmdbd mysqld munged; do
    stop_daemon "$d"
  done
  rm -f "$munge_socket" "$mysql_socket"
  [ -n "$quiet" ] || log "stopped ($state_dir)"
}

cmd_status() {
  if is_up; then
    node_name="$(read_node_name)"
    echo "up: node $node_name $(node_state), SLURM_CONF=$conf"
  else
    local d running=()
    for d in munged mysqld slurmdbd slurmctld slurmd; do
      [ -z "$(daemon_pid "$d")" ] || running+=("$d")
    done
    echo "down${running[*]:+ (still running: ${running[*]})}"
    return 3
  fi
}

cmd_env() {
  [ -s "$conf" ] || die "no cluster configured in $state_dir; run: $0 start"
  # Clients (sbatch, squeue, scontrol, scancel, sinfo, sacct) read SLURM_CONF;
  # slurm.conf names the munge socket (AuthInfo), so nothing else is needed.
  printf 'export SLURM_CONF=%q\n' "$conf"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
