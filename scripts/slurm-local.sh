#!/usr/bin/env bash
# A fault sweep on a real Slurm: installs Debian's slurmctld, slurmd and munge when missing,
# starts a one-node cluster on 127.0.0.1 (its own configuration and state in a temporary
# folder), submits the sweep as a job array of four shards (`sbatch --array=0-3`), merges the
# shards, checks that the merge prints exactly what the unsharded sweep prints, does the same
# for a timeout sweep (`faultline sweep`), and stops the cluster. Needs root (to install and to
# run the daemons).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  echo "slurm check: installing slurmctld, slurmd and munge from Debian's packages"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge \
    >/dev/null
fi
cargo build --quiet
bin="$repo/target/debug/faultline"

work=$(mktemp -d)
conf="$work/slurm.conf"
mkdir -p "$work/spool" "$work/state" "$work/results" /run/munge
cleanup() {
  SLURM_CONF="$conf" scontrol shutdown >/dev/null 2>&1 || true
  sleep 1
  [ -f "$work/slurmd.pid" ] && kill "$(cat "$work/slurmd.pid")" 2>/dev/null || true
  [ -f "$work/slurmctld.pid" ] && kill "$(cat "$work/slurmctld.pid")" 2>/dev/null || true
  [ -f "$work/munged.pid" ] && kill "$(cat "$work/munged.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$conf" <<CONF
ClusterName=faultline
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmdSpoolDir=$work/spool
StateSaveLocation=$work/state
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$conf"

munged --force --pid-file="$work/munged.pid" --socket=/run/munge/munge.socket.2 2>"$work/munged.err"
slurmctld
slurmd -N localhost
for _ in $(seq 1 30); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o %T | grep -q idle || { echo "slurm check: the node never came up" >&2; cat "$work"/*.log >&2; exit 1; }

sweep=(replay --protocol multi-paxos --nodes 5 --seeds 1..20 --broken-acceptor --quiet)
sbatch --wait --array=0-3 --chdir="$work" --output="$work/task-%a.out" \
  --wrap "$bin ${sweep[*]} --out $work/results" >/dev/null
"$bin" merge "$work/results" >"$work/merged.txt" 2>/dev/null || true
"$bin" "${sweep[@]}" >"$work/whole.txt" 2>/dev/null || true
if ! cmp -s "$work/merged.txt" "$work/whole.txt"; then
  echo "slurm check: the merged shards differ from the unsharded sweep" >&2
  diff "$work/merged.txt" "$work/whole.txt" >&2 || true
  exit 1
fi
echo "slurm check: 4 array tasks ($(ls "$work/results" | tr '\n' ' ')) merged into the unsharded sweep's output"

# A timeout sweep the same way; the merge runs in the folder the tasks ran in (it re-reads
# their command line).
timeouts=(sweep --timeouts 1.1s,1.5s,3s --seeds 4 --nodes 4 --duration 20m --loss 0.05 --quiet)
sbatch --wait --array=0-3 --chdir="$work" --output="$work/sweep-%a.out" \
  --wrap "$bin ${timeouts[*]} --out $work/sweep" >/dev/null
(cd "$work" && "$bin" merge sweep >merged-sweep.txt && "$bin" "${timeouts[@]}" >whole-sweep.txt)
if ! cmp -s "$work/merged-sweep.txt" "$work/whole-sweep.txt"; then
  echo "slurm check: the merged timeout-sweep shards differ from the unsharded sweep" >&2
  diff "$work/merged-sweep.txt" "$work/whole-sweep.txt" >&2 || true
  exit 1
fi
echo "slurm check: 4 timeout-sweep array tasks merged into the unsharded sweep's output"
