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

say() { printf '[slurm down %s] %s\n' "$(date +%T)" "$*" >&2; }
# shellcheck source=tools/slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "tools/slurm/down.sh: run as root" >&2; exit 1; }
[ -d "$STATE" ] || { say "nothing to stop: $STATE does not exist"; exit 0; }

exec 9>"$STATE/setup.lock"
flock 9

if is_ours "$PIDS/slurmctld.pid" slurmctld; then
  jobs=$(squeue -h -o %i 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    say "cancelling jobs still on the cluster: $jobs"
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null
    for ((i = 0; i < 75; i++)); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
fi

for pidfile in "$PIDS"/slurmd-*.pid; do stop_daemon "$pidfile" slurmd; done
stop_daemon "$PIDS/slurmctld.pid" slurmctld
stop_daemon "$PIDS/munged.pid" munged
rm -f "$STATE/started-by"

if [ "${SRTCTL_SLURM_PURGE:-0}" = 1 ]; then
  say "removing $STATE and the configuration files up.sh wrote"
  for f in /etc/slurm/slurm.conf /etc/slurm/gres.conf; do
    grep -qsF "$MARK" "$f" && rm -f "$f"
  done
  rm -rf "${STATE:?}"
fi
say "stopped"
