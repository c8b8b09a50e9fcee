#!/usr/bin/env bash
# Runs the whole shop with foreman: a Redis of its own (AOF in data/redis)
# on a free port, and one process per Procfile line.
#
# The committed .env holds the defaults (Redis on 6380). This script picks
# 6379 if it is free (the seed's own port: the seed's client/client.py
# flushes 127.0.0.1:6379 before it runs, so it finds the shop's Redis
# there), else the first free port from 6380 up; REDIS_PORT in the
# environment picks the port instead; WITHOUT=<names> leaves processes
# out. It writes the port to .env.run (REDIS_PORT, REDIS_URL; ignored by
# git, readable by its owner only), with ADMIN_TOKEN (yours, or a random
# one it makes) for the dashboard and the /admin API, and runs
# `foreman start -e .env,.env.run`, so .env.run's values win.
# bin/ordershop reads .env.run too, so while this runs the CLI finds this
# Redis. It prints the gateway's and the dashboard's URLs once they
# answer, stops everything on Ctrl-C or SIGTERM, and removes .env.run
# when foreman has exited.
#
# scripts/run-cluster.sh (make run-cluster) runs this with RUN_CLUSTER_URL
# set to the Redis Cluster it started: then no Redis port is picked, the
# Procfile's redis line is left out, and .env.run names the cluster as
# REDIS_CLUSTER_URL (which every process prefers to REDIS_URL).
set -euo pipefail
cd "$(dirname "$0")/.."

run_env=.env.run

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The Redis port: REDIS_PORT if set, else 6379 if free, else the first
# free one from 6380 (the .env default) up. SEED_REDIS_PORT names the
# seed client's port (6379; tests change it so as never to take 6379).
seed_port=${SEED_REDIS_PORT:-6379}
redis_port=""
cluster_url=${RUN_CLUSTER_URL:-}
if [[ -n "$cluster_url" ]]; then
	: # the cluster's nodes are run-cluster.sh's; no Redis of our own
elif [[ -n "${REDIS_PORT:-}" ]]; then
	if in_use "$REDIS_PORT"; then echo "run.sh: REDIS_PORT=$REDIS_PORT is taken" >&2; exit 1; fi
	redis_port=$REDIS_PORT
else
	for p in "$seed_port" $(seq 6380 6499); do
		if ! in_use "$p"; then redis_port=$p; break; fi
	done
fi
[[ -n "$redis_port" || -n "$cluster_url" ]] || { echo "run.sh: no free Redis port in 6379-6499" >&2; exit 1; }
if [[ -n "$redis_port" && "$redis_port" != "$seed_port" ]] && in_use "$seed_port"; then
	echo "run.sh: 127.0.0.1:$seed_port is taken by another server, so the shop's Redis is on $redis_port." >&2
	echo "run.sh: note that the seed's client/client.py flushes 127.0.0.1:$seed_port, not the shop's Redis." >&2
fi

# A foreman base port where every Procfile line's port (base + 100*i) is
# free; the gateway is the first line, so it gets the base port.
lines=$(grep -c '^[a-z]' Procfile)
base=""
for b in 5000 15000 25000 35000 45000; do
	ok=1
	for ((i = 0; i < lines; i++)); do
		if in_use $((b + 100 * i)); then ok=0; break; fi
	done
	if ((ok)); then base=$b; break; fi
done
[[ -n "$base" ]] || { echo "run.sh: no free port range for foreman" >&2; exit 1; }

# The dashboard's token: the caller's ADMIN_TOKEN, else a random one (it
# is written to .env.run, never printed).
admin_token_from="your ADMIN_TOKEN"
if [[ -z "${ADMIN_TOKEN:-}" ]]; then
	ADMIN_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
	admin_token_from="the ADMIN_TOKEN in $run_env"
fi

# In a subshell with umask 077: the file holds the token, and the
# caller's umask is left as it was.
(
umask 077
{
	echo "# Written by scripts/run.sh (make run) for the Redis it started; removed when it stops."
	if [[ -n "$cluster_url" ]]; then
		echo "REDIS_CLUSTER_URL=$cluster_url"
	else
		echo "REDIS_PORT=$redis_port"
		echo "REDIS_URL=redis://127.0.0.1:$redis_port/0"
		# A REDIS_CLUSTER_URL in the caller's shell would win over REDIS_URL.
		echo "REDIS_CLUSTER_URL="
	fi
	# foreman's env files win over the environment: carry LOG_FORMAT over.
	if [[ -n "${LOG_FORMAT:-}" ]]; then echo "LOG_FORMAT=$LOG_FORMAT"; fi
	echo "ADMIN_TOKEN=$ADMIN_TOKEN"
	if [[ -n "${ADMIN_READONLY_TOKEN:-}" ]]; then echo "ADMIN_READONLY_TOKEN=$ADMIN_READONLY_TOKEN"; fi
} > "$run_env"
)
trap 'rm -f "$run_env"' EXIT
mkdir -p data/redis

# WITHOUT=crm (or "crm mailer") leaves those Procfile processes out:
# foreman stops every process when one exits, so this is how to run the
# shop with a function stopped.
formation="all=1"
if [[ -n "$cluster_url" ]]; then formation="$formation,redis=0"; fi
for name in ${WITHOUT:-}; do
	grep -q "^$name:" Procfile || { echo "run.sh: WITHOUT: no process $name in the Procfile" >&2; exit 2; }
	formation="$formation,$name=0"
done

foreman start -p "$base" -e ".env,$run_env" -m "$formation" &
foreman_pid=$!
trap 'kill -TERM "$foreman_pid" 2>/dev/null || true' INT TERM

gateway="http://127.0.0.1:$base"
# The dashboard's port: foreman gives line i of the Procfile base+100*i.
dashboard_line=$(grep '^[a-z]' Procfile | grep -n '^dashboard:' | cut -d: -f1 || true)
dashboard=""
if [[ -n "$dashboard_line" && ! " ${WITHOUT:-} " =~ " dashboard " ]]; then
	dashboard="http://127.0.0.1:$((base + 100 * (dashboard_line - 1)))"
fi
answers() { curl -fsS -o /dev/null "$1" 2>/dev/null; }
for _ in $(seq 1 300); do
	if answers "$gateway/healthz" && { [[ -z "$dashboard" ]] || answers "$dashboard/login"; }; then
		if [[ -n "$cluster_url" ]]; then
			echo "OrderShop is up: gateway $gateway (Redis Cluster $cluster_url; bin/ordershop reads it from $run_env)"
		else
			echo "OrderShop is up: gateway $gateway (Redis on port $redis_port, data in data/redis; bin/ordershop reads it from $run_env)"
		fi
		if [[ -n "$dashboard" ]]; then
			echo "Dashboard: $dashboard/ (log in with $admin_token_from; also at $gateway/admin/ui/)"
		else
			echo "Dashboard: $gateway/admin/ui/ (log in with $admin_token_from)"
		fi
		break
	fi
	kill -0 "$foreman_pid" 2>/dev/null || break
	sleep 0.1
done

# A signal interrupts wait; wait again until foreman has stopped its
# processes, and exit with its status.
status=0
wait "$foreman_pid" || status=$?
while kill -0 "$foreman_pid" 2>/dev/null; do
	status=0
	wait "$foreman_pid" || status=$?
done
exit "$status"
