#!/usr/bin/env bash
# Stop the local SLURM cluster that tools/slurm/up.sh started, and nothing else.
#
# Jobs still on the cluster are cancelled through SLURM first, so that slurmstepd and the job's own
# processes end too. Then each daemon recorded under $SRTCTL_SLURM_DIR/pids gets SIGTERM (SIGKILL after
# 15 s), after checking that the pid still belongs to that program. No pkill, no killall.
#
#   tools/slurm/down.sh
#   SRTCTL_SLURM_PURGE=1 tools/slurm/down.sh   # also delete the state directory and our /etc/slurm files
set -uo pipefail

STATE=${SRTCTL_SLURM_DIR:-/var/spool/srtctl-slurm}
PIDS=$STATE/pids
MARK="# written by srtctl tools/slurm/up.sh"

say() { printf '[slurm down %s] %s\n' "$(date +%T)" "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { echo "tools/slurm/down.sh: run as root" >&2; exit 1; }
[ -d "$STATE" ] || { say "nothing to stop: $STATE does not exist"; exit 0; }

exec 9>"$STATE/setup.lock"
flock 9

is_ours() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]
}
stop() {
  [ -e "$1" ] || return 0
  if is_ours "$1" "$2"; then
    local pid i
    pid=$(cat "$1")
    say "stopping $2 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 75; i++)); do is_ours "$1" "$2" || break; sleep 0.2; done
    if is_ours "$1" "$2"; then
      say "$2 (pid $pid) ignored SIGTERM for 15 s: killing it"
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$1"
}

if is_ours "$PIDS/slurmctld.pid" slurmctld; then
  jobs=$(squeue -h -o %i 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    say "cancelling jobs still on the cluster: $jobs"
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null
    for ((i = 0; i < 75; i++)); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
fi

for pidfile in "$PIDS"/slurmd-*.pid; do stop "$pidfile" slurmd; done
stop "$PIDS/slurmctld.pid" slurmctld
stop "$PIDS/munged.pid" munged
rm -f "$STATE/started-by"

if [ "${SRTCTL_SLURM_PURGE:-0}" = 1 ]; then
  say "removing $STATE and the configuration files up.sh wrote"
  for f in /etc/slurm/slurm.conf /etc/slurm/gres.conf; do
    grep -qsF "$MARK" "$f" && rm -f "$f"
  done
  rm -rf "${STATE:?}"
fi
say "stopped"
