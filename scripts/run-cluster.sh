#!/usr/bin/env bash
# Runs the whole shop with foreman on a local Redis Cluster of its own:
# 3 masters and 3 replicas on 127.0.0.1, ports 7101-7106 (cluster bus
# 17101-17106; REDIS_CLUSTER_PORT=<first> moves both), data (AOF and
# nodes.conf) in data/redis-cluster/<port>.
#
# A second run reuses the cluster in data/redis-cluster if it comes up
# healthy from its nodes.conf; else (or with REDIS_CLUSTER_FRESH=1) it
# wipes that folder and creates the cluster anew. Nodes left running by a
# run that was killed are stopped first (their pid files say which).
#
# Once every node reports cluster_state:ok, all 16384 slots are served
# and every replica is in sync, it runs scripts/run.sh (the same as make
# run: ports, ADMIN_TOKEN, WITHOUT=..., the up lines) with RUN_CLUSTER_URL,
# so .env.run holds REDIS_CLUSTER_URL and the Procfile's own redis line is
# left out. Ctrl-C or SIGTERM stops foreman, then the cluster's nodes.
#
# The nodes run in a session of their own (setsid), so the Ctrl-C a
# terminal sends to the whole group reaches foreman and its processes
# only: the shop drains against a cluster that is still up.
set -euo pipefail
cd "$(dirname "$0")/.."

first=${REDIS_CLUSTER_PORT:-7101}
masters=3
replicas=1
count=$((masters * (1 + replicas)))
ports=()
for ((i = 0; i < count; i++)); do ports+=($((first + i))); done
data=data/redis-cluster
node_timeout=${REDIS_CLUSTER_NODE_TIMEOUT:-5000}

for tool in redis-server redis-cli foreman; do
	command -v "$tool" >/dev/null || { echo "run-cluster.sh: $tool is missing (make deps installs it)" >&2; exit 1; }
done
if ((first < 1024 || first + count - 1 + 10000 > 65535)); then
	echo "run-cluster.sh: REDIS_CLUSTER_PORT=$first: want 1024 to $((65535 - 10000 - count + 1))" >&2
	exit 2
fi
for p in "${ports[@]}"; do
	if ((p == 6379)); then echo "run-cluster.sh: the cluster never takes 6379" >&2; exit 2; fi
done

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# node_pid <port>: the pid of our redis-server on port, from its pid file,
# if that process is alive and is a redis-server.
node_pid() {
	local f="$data/$1/redis.pid" pid
	[[ -f "$f" ]] || return 1
	pid=$(<"$f")
	[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
	grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null || return 1
	echo "$pid"
}

# stop_nodes: SIGTERM every node of ours that runs (each saves its AOF
# and nodes.conf), then wait for them to exit.
stop_nodes() {
	local p pid pids=()
	for p in "${ports[@]}"; do
		if pid=$(node_pid "$p"); then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); fi
	done
	for pid in "${pids[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
}

# start_nodes: one redis-server per port, in its own folder.
start_nodes() {
	local p
	for p in "${ports[@]}"; do
		mkdir -p "$data/$p"
		setsid redis-server --port "$p" --cluster-port $((p + 10000)) --bind 127.0.0.1 --dir "$data/$p" \
			--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout "$node_timeout" \
			--appendonly yes --appendfsync everysec --save "" --repl-diskless-sync-delay 0 \
			--pidfile "$PWD/$data/$p/redis.pid" --logfile redis.log --daemonize no </dev/null >/dev/null 2>&1 &
	done
	for p in "${ports[@]}"; do
		for _ in $(seq 1 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
		redis-cli -p "$p" ping >/dev/null 2>&1 || { echo "run-cluster.sh: redis-server on $p did not start; see $data/$p/redis.log" >&2; return 1; }
	done
}

# healthy: every node says cluster_state:ok with every slot served and
# knows all the others, and every replica is in sync with its master.
healthy() {
	local p info repl
	for p in "${ports[@]}"; do
		info=$(redis-cli -p "$p" cluster info 2>/dev/null | tr -d '\r') || return 1
		grep -qx 'cluster_state:ok' <<<"$info" || return 1
		grep -qx 'cluster_slots_ok:16384' <<<"$info" || return 1
		grep -qx "cluster_known_nodes:$count" <<<"$info" || return 1
		repl=$(redis-cli -p "$p" info replication 2>/dev/null | tr -d '\r') || return 1
		if grep -qx 'role:slave' <<<"$repl"; then
			grep -qx 'master_link_status:up' <<<"$repl" || return 1
			grep -qx 'master_sync_in_progress:0' <<<"$repl" || return 1
		fi
	done
}

# wait_healthy <seconds>
wait_healthy() {
	local end=$((SECONDS + $1))
	while ((SECONDS < end)); do
		healthy && return 0
		sleep 0.2
	done
	return 1
}

create_cluster() {
	local p addrs=()
	for p in "${ports[@]}"; do addrs+=("127.0.0.1:$p"); done
	redis-cli --cluster create "${addrs[@]}" --cluster-replicas "$replicas" --cluster-yes >"$data/create.log" 2>&1 ||
		{ echo "run-cluster.sh: redis-cli --cluster create failed:" >&2; cat "$data/create.log" >&2; return 1; }
}

# Nodes of a killed run first, then the ports must be free.
stop_nodes
for p in "${ports[@]}"; do
	for q in "$p" $((p + 10000)); do
		if in_use "$q"; then echo "run-cluster.sh: 127.0.0.1:$q is taken by another process (REDIS_CLUSTER_PORT moves the cluster)" >&2; exit 1; fi
	done
done

trap stop_nodes EXIT
reuse=0
if [[ "${REDIS_CLUSTER_FRESH:-}" != 1 ]]; then
	reuse=1
	for p in "${ports[@]}"; do [[ -s "$data/$p/nodes.conf" ]] || reuse=0; done
fi
if ((reuse)); then
	start_nodes
	if wait_healthy 30; then
		echo "run-cluster.sh: reusing the Redis Cluster in $data (REDIS_CLUSTER_FRESH=1 starts afresh)"
	else
		echo "run-cluster.sh: the cluster in $data did not come up healthy in 30s: creating it afresh" >&2
		stop_nodes
		reuse=0
	fi
fi
if ((!reuse)); then
	rm -rf "$data"
	mkdir -p "$data"
	start_nodes
	create_cluster
	wait_healthy 60 || { echo "run-cluster.sh: the new cluster is not healthy after 60s; see $data/*/redis.log" >&2; exit 1; }
	echo "run-cluster.sh: created a Redis Cluster of $masters masters and $replicas replica each on ports ${ports[0]}-${ports[-1]} in $data"
fi

# go-redis's cluster URL form (redis.ParseClusterURL): every node a seed.
url="redis://127.0.0.1:${ports[0]}?addr=127.0.0.1:${ports[1]}"
for ((i = 2; i < count; i++)); do url+="&addr=127.0.0.1:${ports[i]}"; done

# run.sh runs foreman in this process group: a terminal's Ctrl-C reaches
# foreman and its processes (not the nodes); this script outlives it and
# stops the nodes once run.sh has exited. SIGTERM is passed on to run.sh.
trap ':' INT
trap 'kill -TERM "$run_pid" 2>/dev/null || true' TERM
RUN_CLUSTER_URL=$url ./scripts/run.sh &
run_pid=$!
status=0
wait "$run_pid" || status=$?
while kill -0 "$run_pid" 2>/dev/null; do
	status=0
	wait "$run_pid" || status=$?
done
stop_nodes
trap - EXIT
echo "run-cluster.sh: stopped the Redis Cluster (data kept in $data)"
exit "$status"
