#!/usr/bin/env bash
# Runs the whole shop with foreman: a Redis of its own (AOF in data/redis)
# on a free port that is never 6379, and one process per Procfile line.
# Writes .env (REDIS_PORT, REDIS_URL) for foreman, prints the gateway's
# URL once it answers /healthz, and stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A Redis port: the previous run's if it is free again, else the first free
# one from 6380 up.
redis_port=""
if [[ -f .env ]]; then
	prev=$(sed -n 's/^REDIS_PORT=//p' .env)
	if [[ -n "$prev" && "$prev" != 6379 ]] && ! in_use "$prev"; then redis_port=$prev; fi
fi
if [[ -z "$redis_port" ]]; then
	for p in $(seq 6380 6499); do
		if ! in_use "$p"; then redis_port=$p; break; fi
	done
fi
[[ -n "$redis_port" ]] || { echo "run.sh: no free Redis port in 6380-6499" >&2; exit 1; }

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

cat > .env <<ENV
REDIS_PORT=$redis_port
REDIS_URL=redis://127.0.0.1:$redis_port/0
LOG_FORMAT=${LOG_FORMAT:-console}
ENV
mkdir -p data/redis

foreman start -p "$base" &
foreman_pid=$!
trap 'kill -TERM "$foreman_pid" 2>/dev/null || true' INT TERM

gateway="http://127.0.0.1:$base"
for _ in $(seq 1 300); do
	if curl -fsS "$gateway/healthz" >/dev/null 2>&1; then
		echo "OrderShop is up: gateway $gateway (Redis on port $redis_port, data in data/redis)"
		break
	fi
	kill -0 "$foreman_pid" 2>/dev/null || break
	sleep 0.1
done
wait "$foreman_pid"
