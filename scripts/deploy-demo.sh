#!/usr/bin/env bash
# A 3-node mmm deployment from the .deb, on this one machine (docs/install.md, "A 3-node
# deployment on one machine"). As root:
#   1. npm run package; dpkg -i dist/pkg/mmm_<version>_all.deb
#   2. mmm_sandbox up --netns --no-agents: MariaDB db1, db2 (masters), db3 (replica), each in its
#      own network namespace (the "database hosts"); the root namespace is the monitor host
#   3. certificates with the installed mmm_tls; each host's /etc/mmm made from the shipped
#      examples with the ownership rule (a node's /etc/mmm is /etc/netns/<ns>/mmm, which
#      `ip netns exec` mounts over /etc/mmm); --check-config of every daemon first
#   4. each agent as root with the ExecStartPre/ExecStart lines of the installed
#      mmm-agent.service, inside its node's namespace; the monitor with those of
#      mmm-monitor.service under setpriv with the unit's User, Group, capabilities and
#      NoNewPrivileges (there is no systemd here)
#   5. mmm_control (no -c: it finds /etc/mmm/mmm_mon.conf) show, set_offline db3, show,
#      set_online db3, show; ps of the daemons
#   6. stops what it started (by PID), mmm_sandbox down, dpkg --purge mmm, removes the files it
#      wrote; a trap does the same on failure or Ctrl-C
# Every wait is bounded. Settings (environment): DEMO_DIR (work folder, default
# /var/tmp/mmm-deploy-demo), DEMO_PORT (the monitor's control port, default 9988), DEMO_WAIT
# (bound of each wait in seconds, default 60), DEMO_KEEP_LOGS (a folder: the daemons' logs are
# copied there before the work folder goes). Refuses to run (changing nothing) when the package
# mmm, a user or group mmm, an MMM config in /etc, /etc/mmm or /etc/mysql-mmm, or DEMO_DIR exist.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

WORK=${DEMO_DIR:-/var/tmp/mmm-deploy-demo}
PORT=${DEMO_PORT:-9988}
WAIT=${DEMO_WAIT:-60}
SBX=$WORK/sandbox
UNITS=/lib/systemd/system
# What systemd gives a service: a clean environment (no caller's variables) and / as cwd.
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

T0=$(date +%s.%N)
say() { printf '\n== %s (%s s)\n' "$*" "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"; }
die() { echo "deploy-demo: $*" >&2; exit 1; }
# quoted ARG...: the words as a shell would need them typed.
quoted() {
  local a out=()
  for a in "$@"; do
    if [[ $a =~ ^[][A-Za-z0-9_./:=,+@%-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
  done
  echo "${out[*]}"
}
# show CMD...: prints `$ CMD` then runs it (its output as it is).
show() { printf '$ %s\n' "$(quoted "$@")"; "$@"; }

# --- preconditions: nothing is changed before all of them hold -----------------------------
[ "$(id -u)" = 0 ] || die "run as root (dpkg -i, network namespaces, the mmm user)"
for c in dpkg dpkg-query ip setpriv node npx ping mariadbd ss; do
  command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || die "$c is missing (scripts/setup.sh installs MariaDB, iproute2, ping)"
done
st=$(dpkg-query -W -f='${db:Status-Abbrev}' mmm 2>/dev/null || true)
case "$st" in ''|un*) ;; *) die "the package mmm is already on this machine (dpkg status '${st% }'): this demo installs and purges it itself";; esac
if getent passwd mmm >/dev/null || getent group mmm >/dev/null; then die "a user or group mmm exists already (the package makes it, purge removes it)"; fi
for d in /etc /etc/mmm /etc/mysql-mmm; do
  for f in "$d"/mmm_*.conf; do [ -e "$f" ] && die "$f exists: the demo writes the MMM configs of /etc/mmm itself"; done
done
[ ! -e /etc/mmm ] || die "/etc/mmm exists: the demo writes the configs there and removes them after"
[ ! -e "$WORK" ] || die "$WORK exists (a demo still running, or left over): remove it, or set DEMO_DIR"
if ss -Hltn "sport = :$PORT" | grep -q .; then die "port $PORT is taken on this machine: set DEMO_PORT"; fi
[ -f "$REPO/packages/sandbox/dist/main.js" ] || die "build first: npm ci && npm run build"

# --- cleanup: everything below is recorded here as it is made ------------------------------
MON_PID=''
declare -A AGENT_PID=()
NETNS_DIRS=()
MADE_ETC_NETNS=''
INSTALLED=''
SANDBOX=''
ETC_FILES=()
declare -A NS=()
OK=''

# stop_pid PID WHAT: SIGTERM, up to 20 s (the units' TimeoutStopSec), then SIGKILL; only a live
# process whose command line is ours (PIDs get reused).
stop_pid() {
  local pid=$1 what=$2 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "/usr/bin/$3" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "  $what (pid $pid) still running after 20 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  echo "  $what stopped (pid $pid)"
}

cleanup() {
  local rc=$? n f
  trap - EXIT INT TERM
  set +e
  # A signal may land inside `wait_for`, whose probe runs with stdout and stderr on /dev/null.
  exec 1>&3 2>&4
  if [ -z "$OK" ]; then
    echo
    echo "deploy-demo: FAILED or interrupted (exit $rc); the daemons' last log lines:"
    for f in "$WORK"/logs/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done
  fi
  say "cleanup"
  stop_pid "$MON_PID" "monitor" mmmd_mon
  for n in db1 db2 db3; do stop_pid "${AGENT_PID[$n]:-}" "agent $n" mmmd_agent; done
  if [ -n "${DEMO_KEEP_LOGS:-}" ] && [ -d "$WORK/logs" ]; then
    mkdir -p "$DEMO_KEEP_LOGS" && cp "$WORK"/logs/* "$DEMO_KEEP_LOGS"/ && echo "  logs copied to $DEMO_KEEP_LOGS"
  fi
  for d in "${NETNS_DIRS[@]}"; do rm -rf "$d"; done
  [ -n "$MADE_ETC_NETNS" ] && rmdir /etc/netns 2>/dev/null
  [ ${#NETNS_DIRS[@]} -gt 0 ] && echo "  removed ${NETNS_DIRS[*]}"
  if [ -n "$SANDBOX" ]; then
    (cd "$REPO" && npx --no-install mmm_sandbox down --dir "$SBX") 2>&1 | sed 's/^/  /'
  fi
  if [ ${#ETC_FILES[@]} -gt 0 ]; then
    rm -rf "${ETC_FILES[@]}"
    echo "  removed ${ETC_FILES[*]}"
  fi
  if [ -n "$INSTALLED" ]; then
    dpkg --purge mmm 2>&1 | grep -v '^(Reading database' | sed 's/^/  /'
  fi
  rm -rf "$WORK"
  local left=() st
  st=$(dpkg-query -W -f='${db:Status-Abbrev}' mmm 2>/dev/null)
  case "$st" in ''|un*) ;; *) left+=("package mmm (dpkg status '${st% }')") ;; esac
  for f in /etc/mmm /var/lib/mmm /var/log/mmm /run/mmm; do [ -e "$f" ] && left+=("$f"); done
  getent passwd mmm >/dev/null && left+=("user mmm")
  getent group mmm >/dev/null && left+=("group mmm")
  for n in db1 db2 db3; do
    [ -n "${NS[$n]:-}" ] && ip netns list | grep -qw "${NS[$n]}" && left+=("namespace ${NS[$n]}")
    [ -n "${NS[$n]:-}" ] && [ -e "/etc/netns/${NS[$n]}" ] && left+=("/etc/netns/${NS[$n]}")
  done
  [ -e "$WORK" ] && left+=("$WORK")
  if [ ${#left[@]} -eq 0 ]; then
    echo "  nothing left: no mmm package, /etc/mmm, /var/lib/mmm, /var/log/mmm, /run/mmm, user or group mmm, namespace or $WORK"
  else
    echo "  LEFT: ${left[*]}"
    [ "$rc" != 0 ] || rc=1
  fi
  say "done"
  exit "$rc"
}
# The script's own stdout and stderr, for the cleanup (the daemons get neither: 3>&- 4>&-).
exec 3>&1 4>&2
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for WHAT CMD...: runs CMD every 0.2 s until it succeeds, at most $WAIT s; gives up at
# once when the daemon it waits for (PID $WATCH, if set) has exited.
WATCH=''
wait_for() {
  local what=$1 deadline
  shift
  deadline=$(($(date +%s) + WAIT))
  until "$@" >/dev/null 2>&1; do
    [ -z "$WATCH" ] || kill -0 "$WATCH" 2>/dev/null || die "$what: the daemon (pid $WATCH) exited"
    [ "$(date +%s)" -lt "$deadline" ] || die "$what: not reached within $WAIT s"
    sleep 0.2
  done
}

# unit_value UNIT KEY: the value of KEY= in the installed unit (first one).
unit_value() { sed -n "s/^$2=//p" "$UNITS/$1" | head -n 1; }

mkdir -p "$WORK/logs" "$WORK/admin"
chmod 0700 "$WORK"

# --- 1. the package ---------------------------------------------------------------------------
say "1. npm run package; dpkg -i"
version=$(node -p 'require("./package.json").version')
deb=dist/pkg/mmm_${version}_all.deb
npm run package >"$WORK/logs/package.out" 2>&1 || { cat "$WORK/logs/package.out"; die "npm run package failed"; }
grep '^package: ' "$WORK/logs/package.out"
INSTALLED=1
show dpkg -i "$deb" | grep -v '^(Reading database' || true
dpkg-query -W -f='${db:Status-Abbrev}' mmm | grep -q '^ii' || die "dpkg -i did not install mmm"
show id mmm
show ls -ld /var/lib/mmm /var/log/mmm /run/mmm
show mmm_tls --version

# --- 2. MariaDB on three "hosts" ----------------------------------------------------------------
say "2. mmm_sandbox up --netns --no-agents (MariaDB only: one network namespace per node)"
SANDBOX=1
(cd "$REPO" && npx --no-install mmm_sandbox up --netns --no-agents --dir "$SBX") >"$WORK/logs/sandbox-up.out" 2>&1 3>&- 4>&- \
  || { cat "$WORK/logs/sandbox-up.out"; die "mmm_sandbox up failed"; }
grep -E '^(starting|  network|  mariadbd running|  replication verified|mmm sandbox up)' "$WORK/logs/sandbox-up.out"
# Nodes, namespaces, addresses and the accounts the sandbox made, from its state file (0600).
declare -A IP=() MYPID=() MYSOCK=()
MONITOR_IP='' AGENT_PW='' MONITOR_PW='' REPL_USER='' REPL_PW=''
# shellcheck disable=SC2016 # JavaScript, not shell
while IFS='=' read -r k v; do
  case "$k" in
    ns_*) NS[${k#ns_}]=$v ;;
    ip_*) IP[${k#ip_}]=$v ;;
    pidfile_*) MYPID[${k#pidfile_}]=$v ;;
    socket_*) MYSOCK[${k#socket_}]=$v ;;
    *) printf -v "$k" '%s' "$v" ;;
  esac
done < <(node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const n of s.nodes) console.log(`ns_${n.name}=${n.netns}\nip_${n.name}=${n.ip}\npidfile_${n.name}=${n.pidFile}\nsocket_${n.name}=${n.socket}`);
  const c = s.credentials;
  console.log(`MONITOR_IP=${s.monitorIp}\nAGENT_PW=${c.agent.password}\nMONITOR_PW=${c.monitor.password}\nREPL_USER=${c.replication.user}\nREPL_PW=${c.replication.password}`);
' "$SBX/db-cluster.json")
NODES=(db1 db2 db3)
SUBNET=${IP[db1]%.*}
for n in "${NODES[@]}"; do echo "  $n: ${IP[$n]} in namespace ${NS[$n]}"; done
echo "  monitor host: the root namespace, ${MONITOR_IP} on the sandbox's bridge; VIPs ${SUBNET}.100 (writer), .101-.103 (readers)"

# --- 3. certificates and configs -----------------------------------------------------------------
say "3. certificates (installed mmm_tls), /etc/mmm of every host from /etc/mmm/examples/2.x, --check-config"
CA=$WORK/admin/ca
OUT=$WORK/admin/out
show mmm_tls init-ca "$CA" --cn "mmm deploy-demo CA"
for n in "${NODES[@]}"; do
  show mmm_tls issue --ca "$CA" --name "$n" --ip "${IP[$n]}" --role agent --out "$OUT"
done
show mmm_tls issue --ca "$CA" --name monitor --ip 127.0.0.1 --ip "$MONITOR_IP" --role monitor --out "$OUT"

EX=/etc/mmm/examples/2.x
# The examples' addresses are 192.168.0.11-13 and .100-.103: the sandbox's subnet has the same
# last bytes. The rest are the accounts the sandbox made.
common_conf() {
  sed -e "s/192\.168\.0\./$SUBNET./g" \
      -e "s/^\(\s*replication_user\s\+\)replication\$/\1$REPL_USER/" \
      -e "s/RepPassword/$REPL_PW/" "$EX/mmm_common.conf"
}

# Database hosts: /etc/netns/<ns>/mmm is what the node sees as /etc/mmm (ip netns exec mounts
# every entry of /etc/netns/<ns> over /etc). Agent files root:root 0600 (docs/install.md §2, §4).
[ -d /etc/netns ] || MADE_ETC_NETNS=1
for n in "${NODES[@]}"; do
  d=/etc/netns/${NS[$n]}/mmm
  [ ! -e "/etc/netns/${NS[$n]}" ] || die "/etc/netns/${NS[$n]} exists"
  NETNS_DIRS+=("/etc/netns/${NS[$n]}")
  install -d -o root -g root -m 0755 "$d" "$d/ssl"
  common_conf | install -o root -g root -m 0600 /dev/stdin "$d/mmm_common.conf"
  # One machine plays three hosts: their /run is shared, so each agent's pid file gets its own
  # name; mysql_pidfile and mysql_socket are where the sandbox's mariadbd has them. MariaDB's
  # certificates come from the sandbox's own CA: mysql_ssl_ca names it where mariadbd reads it too
  # (replication's MASTER_SSL_CA; docs/mysql-tls.md).
  sed -e "s/^this db1\$/this $n/" \
      -e "s/AgentPassword/$AGENT_PW/" \
      -e "s|/run/mmmd_agent\.pid|/run/mmmd_agent_$n.pid|" \
      -e "s|/etc/mmm/ssl/db1\.|/etc/mmm/ssl/$n.|g" \
      -e "s|^\(\s*\)# mysql_pidfile .*|\1mysql_pidfile   ${MYPID[$n]}|" \
      -e "s|^\(\s*\)# mysql_socket .*|\1mysql_socket    ${MYSOCK[$n]}|" \
      -e "s|^\(\s*\)# mysql_ssl_ca .*|\1mysql_ssl_ca    $SBX/tls/ca.crt|" \
      "$EX/mmm_agent.conf" | install -o root -g root -m 0600 /dev/stdin "$d/mmm_agent.conf"
  install -o root -g root -m 0644 "$CA/ca.crt" "$OUT/$n.crt" "$d/ssl/"
  install -o root -g root -m 0600 "$OUT/$n.key" "$d/ssl/"
done

# The monitor host: the real /etc/mmm, root:mmm 0640 (the daemon reads through its group).
ETC_FILES+=(/etc/mmm/mmm_common.conf /etc/mmm/mmm_mon.conf /etc/mmm/ssl)
common_conf | install -o root -g mmm -m 0640 /dev/stdin /etc/mmm/mmm_common.conf
sed -e "s/192\.168\.0\./$SUBNET./g" \
    -e "s/MonitorPassword/$MONITOR_PW/" \
    -e "s/^\(\s*port\s\+\)9988\$/\1$PORT/" \
    -e "s|^\(\s*\)# mysql_ssl_ca .*|\1mysql_ssl_ca            /etc/mmm/ssl/mysql-ca.crt|" "$EX/mmm_mon.conf" | install -o root -g mmm -m 0640 /dev/stdin /etc/mmm/mmm_mon.conf
install -d -o root -g mmm -m 0750 /etc/mmm/ssl
install -o root -g mmm -m 0644 "$CA/ca.crt" "$OUT/monitor.crt" /etc/mmm/ssl/
install -o root -g mmm -m 0640 "$OUT/monitor.key" /etc/mmm/ssl/
install -o root -g mmm -m 0644 "$SBX/tls/ca.crt" /etc/mmm/ssl/mysql-ca.crt

show ls -l /etc/mmm /etc/mmm/ssl
n=db1
echo "\$ ip netns exec ${NS[$n]} ls -l /etc/mmm /etc/mmm/ssl      # what $n sees as /etc/mmm"
ip netns exec "${NS[$n]}" ls -l /etc/mmm /etc/mmm/ssl
echo "\$ diff $EX/mmm_agent.conf /etc/netns/${NS[$n]}/mmm/mmm_agent.conf      # the edits, on $n"
diff "$EX/mmm_agent.conf" "/etc/netns/${NS[$n]}/mmm/mmm_agent.conf" | sed "s/$AGENT_PW/<password>/" || true

show mmmd_mon --check-config --user mmm
for n in "${NODES[@]}"; do
  printf '$ ip netns exec %s mmmd_agent --check-config      # %s\n' "${NS[$n]}" "$n"
  ip netns exec "${NS[$n]}" mmmd_agent --check-config
done

# --- 4. the daemons, as their units start them ----------------------------------------------------
say "4. the agents and the monitor, with the ExecStartPre/ExecStart lines of the installed units"
read -ra AGENT_PRE <<<"$(unit_value mmm-agent.service ExecStartPre)"
read -ra AGENT_START <<<"$(unit_value mmm-agent.service ExecStart)"
[ "$(unit_value mmm-agent.service User)" = root ] || die "mmm-agent.service: User is not root"
show grep -E '^(User|ExecStartPre|ExecStart)=' "$UNITS/mmm-agent.service"
for n in "${NODES[@]}"; do
  ns=${NS[$n]}
  log=$WORK/logs/agent-$n.log
  printf '$ ip netns exec %s %s      # %s\n' "$ns" "${AGENT_PRE[*]}" "$n"
  ip netns exec "$ns" env -i PATH="$SYS_PATH" "${AGENT_PRE[@]}"
  printf '$ ip netns exec %s %s >%s 2>&1 &\n' "$ns" "${AGENT_START[*]}" "$log"
  # ip netns exec and env exec the daemon: $! is the agent's own PID.
  (cd / && exec ip netns exec "$ns" env -i PATH="$SYS_PATH" "${AGENT_START[@]}" >"$log" 2>&1 3>&- 4>&-) &
  AGENT_PID[$n]=$!
done
for n in "${NODES[@]}"; do
  WATCH=${AGENT_PID[$n]} wait_for "agent $n listening" grep -q "listening on ${IP[$n]}:" "$WORK/logs/agent-$n.log"
  echo "  agent $n (pid ${AGENT_PID[$n]}): $(grep -m 1 "listening on" "$WORK/logs/agent-$n.log")"
done

U=mmm-monitor.service
show grep -E '^(User|Group|ExecStartPre|ExecStart|AmbientCapabilities|CapabilityBoundingSet|NoNewPrivileges)=' "$UNITS/$U"
MON_USER=$(unit_value $U User)
MON_GROUP=$(unit_value $U Group)
# CAP_NET_RAW CAP_X → +net_raw,+x for setpriv; none → -all only.
caps() { local list=-all c; for c in $1; do c=${c#CAP_}; list+=",+${c,,}"; done; echo "$list"; }
AMBIENT=$(caps "$(unit_value $U AmbientCapabilities)")
BOUNDING=$(caps "$(unit_value $U CapabilityBoundingSet)")
NNP=()
[ "$(unit_value $U NoNewPrivileges)" = yes ] && NNP=(--no-new-privs)
home=$(getent passwd "$MON_USER" | cut -d: -f6)
# What systemd does for User=/Group=/AmbientCapabilities=/CapabilityBoundingSet=/NoNewPrivileges=
# (ambient capabilities must be inheritable too) and the environment it sets for User=.
AS_MON=(setpriv --reuid="$MON_USER" --regid="$MON_GROUP" --init-groups --inh-caps="$AMBIENT" --ambient-caps="$AMBIENT"
  --bounding-set="$BOUNDING" "${NNP[@]}" -- env -i PATH="$SYS_PATH" HOME="$home" USER="$MON_USER" LOGNAME="$MON_USER" SHELL=/usr/sbin/nologin)
read -ra MON_PRE <<<"$(unit_value $U ExecStartPre)"
read -ra MON_START <<<"$(unit_value $U ExecStart)"
mlog=$WORK/logs/monitor.log
show "${AS_MON[@]}" "${MON_PRE[@]}"
printf '$ %s %s >%s 2>&1 &\n' "${AS_MON[*]}" "${MON_START[*]}" "$mlog"
(cd / && exec "${AS_MON[@]}" "${MON_START[@]}" >"$mlog" 2>&1 3>&- 4>&-) &
MON_PID=$!
WATCH=$MON_PID
wait_for "the monitor answering mmm_control ping" mmm_control ping
echo "  monitor (pid $MON_PID) answers on 127.0.0.1:$PORT"
echo "\$ grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs)' /proc/$MON_PID/status      # 0000000000002000 = CAP_NET_RAW only"
grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs)' "/proc/$MON_PID/status"

# --- 5. operating it ---------------------------------------------------------------------------
say "5. mmm_control (no -c: it reads /etc/mmm/mmm_mon.conf, as root on the monitor host)"
# host_state HOST: `STATE ROLES WRITABLE LAG` (e.g. `ONLINE 2 true 0`) from the monitor's status_json.
host_state() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  mmm_control show --json 2>/dev/null | node -e '
    let t = ""; process.stdin.on("data", (d) => (t += d)).on("end", () => {
      const h = JSON.parse(t).hosts.find((x) => x.name === process.argv[1]);
      if (h) process.stdout.write(`${h.state} ${h.roles.length} ${h.writable} ${h.replicationLagSeconds}`);
    });' "$1"
}
# is_state HOST STATE
is_state() {
  local state rest
  read -r state rest <<<"$(host_state "$1")"
  [ "$state" = "$2" ]
}
# online HOST: ONLINE with a role, its agent answering and its replication lag known again
# (right after set_online, START SLAVE is still connecting: `show` would say "lag unknown").
online() {
  local state roles writable lag
  read -r state roles writable lag <<<"$(host_state "$1")"
  [ "$state" = ONLINE ] && [ "$roles" -gt 0 ] && [ "$writable" != null ] && [ "$lag" != null ]
}
# stopped HOST: ADMIN_OFFLINE, no roles, replication stopped (the agent ran STOP SLAVE: lag unknown).
stopped() {
  local state roles writable lag
  read -r state roles writable lag <<<"$(host_state "$1")"
  [ "$state" = ADMIN_OFFLINE ] && [ "$roles" = 0 ] && [ "$lag" = null ]
}
is_writable() { local state roles writable lag; read -r state roles writable lag <<<"$(host_state "$1")"; [ "$writable" = true ]; }
# A monitor without a status file leaves every host AWAITING_RECOVERY (first_start manual, as
# MMM 2.x): an operator sets them online once, as on any first start.
wait_for "db1 AWAITING_RECOVERY (first start)" is_state db1 AWAITING_RECOVERY
show mmm_control show
# set_online is refused while the host's checks have not passed yet: retried (bounded).
set_online() {
  local out deadline=$(($(date +%s) + WAIT))
  while :; do
    out=$(mmm_control set_online "$1" 2>&1) && break
    [ "$(date +%s)" -lt "$deadline" ] || { printf '$ mmm_control set_online %s\n%s\n' "$1" "$out"; die "set_online $1 refused for $WAIT s"; }
    sleep 0.5
  done
  printf '$ mmm_control set_online %s\n%s\n' "$1" "$out"
}
for n in "${NODES[@]}"; do
  if is_state "$n" AWAITING_RECOVERY; then set_online "$n"; fi
done
for n in "${NODES[@]}"; do wait_for "$n ONLINE with a role" online "$n"; done
wait_for "db1 writable (the writer)" is_writable db1
show mmm_control show
# The ping check runs ping as user mmm with the unit's one capability.
show mmm_control checks all
show mmm_control set_offline db3
wait_for "db3 ADMIN_OFFLINE without roles, replication stopped" stopped db3
show mmm_control show
set_online db3
wait_for "db3 ONLINE with a role" online db3
show mmm_control show
echo "\$ ip -n <ns> -brief addr show dev eth0      # the VIPs the agents put on each node"
for n in "${NODES[@]}"; do printf '  %s: %s\n' "$n" "$(ip -n "${NS[$n]}" -brief -4 addr show dev eth0 | awk '{ $1 = ""; $2 = ""; print }' | xargs)"; done
PIDS="${AGENT_PID[db1]},${AGENT_PID[db2]},${AGENT_PID[db3]},$MON_PID"
show ps -o user,pid,cmd -p "$PIDS"
OK=1
