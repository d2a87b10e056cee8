#!/usr/bin/env bash
# Start a small but real SLURM cluster on this machine for srtctl's `slurm` tests.
#
# Debian/Ubuntu packages (munge, slurmctld, slurmd, slurm-client) are installed when missing. Every
# virtual node is its own slurmd (node1..nodeN on 127.0.0.1, one port each), advertising more CPUs than
# the machine has and N fake GPUs through GRES, so multi-node, GPU-shaped jobs schedule on a laptop.
# No systemd and no cgroups are needed.
#
#   tools/slurm/up.sh                        # as root; 4 nodes x 8 fake GPUs
#   SRTCTL_SLURM_NODES=2 tools/slurm/up.sh   # fewer nodes
#   source /var/spool/srtctl-slurm/env       # SLURM_CONF and the cluster's shape, for other shells
#
# Safe to run again and from several shells at once: a lock serialises runs, a running cluster with the
# same configuration is left alone, and every daemon this script starts has its pid recorded under
# $SRTCTL_SLURM_DIR/pids so that down.sh stops exactly those. $SRTCTL_SLURM_STARTED_BY (default
# "manual") is recorded when this run starts the controller. A configuration written by someone else
# (a real cluster's /etc/slurm/slurm.conf) is never overwritten.
set -euo pipefail

NODES=${SRTCTL_SLURM_NODES:-4}
GPUS=${SRTCTL_SLURM_GPUS:-8}
CPUS=${SRTCTL_SLURM_CPUS:-16}
MEM_MB=${SRTCTL_SLURM_MEM_MB:-}
PARTITION=${SRTCTL_SLURM_PARTITION:-debug}
CLUSTER=${SRTCTL_SLURM_CLUSTER:-srtctl}
WAIT_S=${SRTCTL_SLURM_WAIT_S:-60}
CONF_DIR=/etc/slurm
FIRST_NODE_PORT=17001
SHORT_HOST=$(hostname -s)
STARTED_AT=$(date +%s%N)

say() { printf '[slurm up %s] %s\n' "$(date +%T)" "$*" >&2; }
fail() {
  say "error: $*"
  for log in "$STATE"/log/*.log; do
    [ -f "$log" ] && { printf -- '--- last lines of %s\n' "$log" >&2; tail -n 12 "$log" >&2; }
  done
  exit 1
}
elapsed() { echo $(( ($(date +%s%N) - STARTED_AT) / 1000000 ))ms; }
# shellcheck source=tools/slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "tools/slurm/up.sh: run as root (it installs packages and starts daemons)" >&2; exit 1; }
for n in "$NODES" "$GPUS" "$CPUS"; do
  [[ $n =~ ^[0-9]+$ ]] || fail "SRTCTL_SLURM_NODES/GPUS/CPUS must be whole numbers (got '$n')"
done
[ "$NODES" -ge 1 ] && [ "$CPUS" -ge 1 ] || fail "SRTCTL_SLURM_NODES and SRTCTL_SLURM_CPUS must be at least 1"

mkdir -p "$STATE"
# One run at a time: two test sessions starting together must not both install and start daemons.
exec 9>"$STATE/setup.lock"
flock 9

# 1. Packages. Package scripts must not start daemons through an init system: we start our own below.
wanted=(munge slurm-client slurmctld slurmd)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || fail "missing packages ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]}"
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$STATE/log"
  apt-get update -qq >"$STATE/log/apt.log" 2>&1 || fail "apt-get update failed (see $STATE/log/apt.log)"
  apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" >>"$STATE/log/apt.log" 2>&1 \
    || fail "apt-get install ${missing[*]} failed (see $STATE/log/apt.log)"
  [ "$added_policy" -eq 0 ] || rm -f /usr/sbin/policy-rc.d
  say "packages installed ($(elapsed))"
fi

# 2. Directories and the fake GPU device files.
mkdir -p "$STATE"/{ctld,log,pids,gpu} "$CONF_DIR"
for i in $(seq 1 "$NODES"); do mkdir -p "$STATE/spool/node$i"; done
chmod 755 "$STATE" "$STATE"/{ctld,log,pids,gpu,spool}
for ((g = 0; g < GPUS; g++)); do
  dev=$STATE/gpu/gpu$g
  # gres/gpu ignores a GPU without File=. A character device with /dev/null's numbers satisfies slurmd
  # without it complaining; a plain file also works but logs an error for every GPU at start.
  [ -c "$dev" ] || { rm -f "$dev"; mknod -m 666 "$dev" c 1 3 2>/dev/null || touch "$dev"; }
done

# 3. munge: reuse a working munged (a real machine may have one); otherwise start ours.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 755 /run/munge
  say "starting munged"
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged 9>&-
  poll 10 test -s /run/munge/munged.pid || fail "munged did not write its pid file"
  cp /run/munge/munged.pid "$PIDS/munged.pid"
  poll 10 bash -c 'munge -n | unmunge' || fail "munge credentials do not round-trip"
fi

# 4. Configuration.
if [ -z "$MEM_MB" ]; then MEM_MB=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.8)}' /proc/meminfo); fi
if [ "$NODES" -eq 1 ]; then
  node_names=node1 node_ports=$FIRST_NODE_PORT
else
  node_names="node[1-$NODES]" node_ports="[$FIRST_NODE_PORT-$((FIRST_NODE_PORT + NODES - 1))]"
fi
gres=""
[ "$GPUS" -eq 0 ] || gres=" Gres=gpu:$GPUS"
new=$(mktemp -d)
trap 'rm -rf "$new"' EXIT
cat >"$new/slurm.conf" <<EOF
$MARK
ClusterName=$CLUSTER
SlurmctldHost=$SHORT_HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool/%n
SlurmctldPidFile=$PIDS/slurmctld.pid
SlurmdPidFile=$PIDS/slurmd-%n.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: processes are tracked through /proc, and tasks are not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default, every job would take a whole node's memory and jobs would queue one by one.
DefMemPerCPU=256
SchedulerType=sched/backfill
# Nodes may advertise more CPUs and memory than the machine has.
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MinJobAge=300
MailProg=/bin/true
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/none
# Finished jobs are kept in a text file that \`sacct -c\` reads, so no database is needed.
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.txt
EOF
if [ "$GPUS" -gt 0 ]; then echo "GresTypes=gpu" >>"$new/slurm.conf"; fi
cat >>"$new/slurm.conf" <<EOF
NodeName=$node_names NodeHostname=$SHORT_HOST NodeAddr=127.0.0.1 Port=$node_ports CPUs=$CPUS RealMemory=$MEM_MB$gres State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
{
  echo "$MARK"
  echo "AutoDetect=off"
  if [ "$GPUS" -eq 1 ]; then
    echo "NodeName=$node_names Name=gpu File=$STATE/gpu/gpu0"
  elif [ "$GPUS" -gt 1 ]; then
    echo "NodeName=$node_names Name=gpu File=$STATE/gpu/gpu[0-$((GPUS - 1))]"
  fi
} >"$new/gres.conf"

changed=0
for f in slurm.conf gres.conf; do
  if [ -e "$CONF_DIR/$f" ] && ! grep -qF "$MARK" "$CONF_DIR/$f"; then
    fail "$CONF_DIR/$f was not written by this script; refusing to replace another cluster's configuration"
  fi
  cmp -s "$new/$f" "$CONF_DIR/$f" || changed=1
done
if [ "$changed" -eq 1 ]; then
  if is_ours "$PIDS/slurmctld.pid" slurmctld; then
    # A restart with a new shape would kill whatever runs on the old one; only do it on an idle cluster.
    queued=$(squeue -h -o %i 2>/dev/null | wc -l)
    [ "$queued" -eq 0 ] || fail "the cluster runs with another configuration and has $queued job(s); stop it first (tools/slurm/down.sh)"
    say "configuration changed: restarting the SLURM daemons"
  fi
  for pidfile in "$PIDS"/slurmd-*.pid; do stop_daemon "$pidfile" slurmd; done
  stop_daemon "$PIDS/slurmctld.pid" slurmctld
  install -m 644 "$new/slurm.conf" "$CONF_DIR/slurm.conf"
  install -m 644 "$new/gres.conf" "$CONF_DIR/gres.conf"
fi

# 5. The controller, then one slurmd per virtual node. Both daemonise and write their pid files.
if ! is_ours "$PIDS/slurmctld.pid" slurmctld; then
  say "starting slurmctld"
  /usr/sbin/slurmctld 9>&-
  # Who started the cluster: the test fixture stops it at the end only when a test session did.
  echo "${SRTCTL_SLURM_STARTED_BY:-manual}" >"$STATE/started-by"
fi
poll "$WAIT_S" bash -c 'scontrol ping | grep -q "is UP"' || fail "slurmctld does not answer"
for i in $(seq 1 "$NODES"); do
  is_ours "$PIDS/slurmd-node$i.pid" slurmd || /usr/sbin/slurmd -N "node$i" 9>&-
done

# A node counts once its slurmd has registered; a node drained by an earlier, different run is resumed.
nodes_up() {
  [ "$(sinfo -h -N -p "$PARTITION" -o '%N %t' | awk '$2 ~ /^(idle|mix|alloc|comp)$/ {print $1}' | sort -u | wc -l)" -eq "$NODES" ]
}
if ! poll "$WAIT_S" nodes_up; then
  sinfo -h -N -p "$PARTITION" -o '%N %t' | awk '$2 ~ /drain|down/ {print $1}' | sort -u | while read -r node; do
    scontrol update nodename="$node" state=resume 2>/dev/null || true
  done
  poll 15 nodes_up || { sinfo -N -l >&2; sinfo -R >&2; fail "nodes did not become idle"; }
fi

cat >"$STATE/env" <<EOF
export SLURM_CONF=$CONF_DIR/slurm.conf
export SRTCTL_SLURM_DIR=$STATE SRTCTL_SLURM_NODES=$NODES SRTCTL_SLURM_GPUS=$GPUS SRTCTL_SLURM_PARTITION=$PARTITION
EOF
say "cluster '$CLUSTER' up: $NODES node(s) x $GPUS GPU(s) in partition '$PARTITION' ($(elapsed))"
