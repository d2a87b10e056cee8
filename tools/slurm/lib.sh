# Shared by up.sh and down.sh (sourced, not run): where the cluster's state lives, and how to recognise and
# stop a daemon we started. Each script defines say() before sourcing this file.

STATE=${SRTCTL_SLURM_DIR:-/var/spool/srtctl-slurm}
PIDS=$STATE/pids
MARK="# written by srtctl tools/slurm/up.sh"

# is_ours PIDFILE NAME: the recorded pid is alive, not a zombie, and still the program we started.
# (kill -0 succeeds on zombies, and pids are reused, hence the /proc checks.)
is_ours() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

# poll SECONDS CMD...: run CMD every 0.2 s until it succeeds or SECONDS pass.
poll() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# stop_daemon PIDFILE NAME: SIGTERM the recorded daemon if it is still ours, SIGKILL after 15 s; forget it.
stop_daemon() {
  [ -e "$1" ] || return 0
  if is_ours "$1" "$2"; then
    local pid
    pid=$(cat "$1")
    say "stopping $2 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! poll 15 bash -c "! [ -e /proc/$pid ] || [ \"\$(cut -d' ' -f3 /proc/$pid/stat)\" = Z ]"; then
      say "$2 (pid $pid) ignored SIGTERM for 15 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$1"
}
