# local_slurm.sh — a one-node Slurm on localhost for tests (sourced by tests/slurm/*.sh):
# installs Debian's slurm-wlm and munge when missing, writes munge's key and slurm.conf into
# $SLURM_DIR (a temp dir), starts munged, slurmctld and slurmd as this (root) user and
# exports SLURM_CONF, so sbatch / squeue / scontrol talk to it. local_slurm_start returns 77
# (CTest: skipped) with the reason when that cannot be done here; local_slurm_stop ends
# exactly the daemons it started (by their pid files).

local_slurm_skip() { echo "SKIP: $*" >&2; return 77; }

local_slurm_install() {
  local need=()
  for tool in slurmctld slurmd sbatch munged; do command -v "$tool" >/dev/null || need=(slurm-wlm munge); done
  ((${#need[@]})) || return 0
  [ "$(id -u)" -eq 0 ] || { local_slurm_skip "slurm-wlm is not installed and installing it needs root"; return 77; }
  echo "[slurm-test] installing ${need[*]} from Debian"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >"$SLURM_DIR/apt.log" 2>&1; then
    apt-get update -qq >>"$SLURM_DIR/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$SLURM_DIR/apt.log" 2>&1 \
      || { tail -5 "$SLURM_DIR/apt.log" >&2; local_slurm_skip "apt-get install ${need[*]} failed"; return 77; }
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

local_slurm_start() {
  SLURM_DIR=$(mktemp -d /tmp/tunegrid-slurm-XXXXXX)
  chmod 755 "$SLURM_DIR"
  [ "$(id -u)" -eq 0 ] || { local_slurm_skip "the test Slurm runs its daemons as root (SlurmdUser=root)"; return 77; }
  local_slurm_install || return 77
  local d=$SLURM_DIR
  mkdir -p "$d/state" "$d/spool" "$d/munge"
  chmod 700 "$d/munge"
  dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$d/munge/munge.key"
  munged --force --key-file="$d/munge/munge.key" --socket="$d/munge/munge.socket" \
    --pid-file="$d/munge/munged.pid" --log-file="$d/munge/munged.log" --seed-file="$d/munge/munged.seed" \
    || { cat "$d/munge/munged.log" >&2 2>/dev/null; local_slurm_skip "munged does not start here"; return 77; }
  local cpus; cpus=$(nproc)
  local ctld_port slurmd_port; ctld_port=$(free_port); slurmd_port=$(free_port)
  cat >"$d/slurm.conf" <<CONF
ClusterName=tunegridtest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$d/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
ReturnToService=2
KillWait=10
MinJobAge=600
InactiveLimit=0
SchedulerParameters=sched_interval=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  export SLURM_CONF=$d/slurm.conf
  slurmctld -i >"$d/slurmctld.out" 2>&1 || { tail -20 "$d/slurmctld.log" "$d/slurmctld.out" >&2 2>/dev/null; local_slurm_stop; local_slurm_skip "slurmctld does not start here"; return 77; }
  slurmd -N localhost >"$d/slurmd.out" 2>&1 || { tail -20 "$d/slurmd.log" "$d/slurmd.out" >&2 2>/dev/null; local_slurm_stop; local_slurm_skip "slurmd does not start here"; return 77; }
  local i
  for i in $(seq 1 60); do
    sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && { echo "[slurm-test] one-node Slurm up in $d (${cpus} CPUs)"; return 0; }
    sleep 0.5
  done
  sinfo -N >&2; tail -20 "$d/slurmctld.log" "$d/slurmd.log" >&2
  local_slurm_stop
  local_slurm_skip "the Slurm node did not become idle within 30 s"
  return 77
}

local_slurm_stop() {
  local d=${SLURM_DIR:-}
  [ -n "$d" ] || return 0
  local f pid
  for f in "$d/slurmd.pid" "$d/slurmctld.pid" "$d/munge/munged.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$d"
}
