#!/bin/bash
# Start process-exporter and Prometheus on loopback beside a `harness run`, then measure the same
# processes through Prometheus with `harness attach --prometheus`: both reports should agree.
#   docs/fleet/run-beside.sh [scenario] [out-dir]      (from the repository root, after npm ci)
# Ports 19256 (process-exporter), 19090 (Prometheus), 19400 (the reference server) must be free.
set -eu
SCEN=${1:-tight-loop}
OUT=${2:-runs/fleet-$SCEN}
HERE=$(cd "$(dirname "$0")" && pwd)
HARNESS="node $HERE/../../bin/harness.js"
TMP=$(mktemp -d)
mkdir -p "$OUT"
cp "$HERE/prometheus.yml" "$HERE/recording-rules.yml" "$TMP/"
prometheus-process-exporter -config.path "$HERE/process-exporter.yml" -web.listen-address 127.0.0.1:19256 -threads=false -gather-smaps=false 2> "$TMP/process-exporter.log" & PE=$!
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" --web.listen-address=127.0.0.1:19090 --log.level=warn 2> "$TMP/prometheus.log" & PROM=$!
trap 'kill $PE $PROM 2>/dev/null; wait $PE $PROM 2>/dev/null; rm -rf "$TMP"' EXIT
until curl -sf 127.0.0.1:19090/-/ready >/dev/null; do sleep 0.2; done
echo "load average at start: $(cat /proc/loadavg)"
JOBS_PORT=19400 $HARNESS run "$SCEN" --duration 30 --out "$OUT/run" -q > "$OUT/run.txt" 2>&1 & RUN=$!
sleep 12   # past the 5 s warm-up and start-up: 20 s inside the run's 30 s window
$HARNESS attach --prometheus http://127.0.0.1:19090 --match 'groupname=~"server|worker"' --role server=server --duration 20 --out "$OUT/prometheus" -q > "$OUT/prometheus.txt" 2>&1
wait $RUN
# the same window again, as a past one (--from/--to): the same figures, and the cost of one attach
WIN=$(node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).prometheus; console.log(p.fromUnix, p.toUnix)' "$OUT/prometheus/result.json")
START=$(date +%s.%N)
$HARNESS attach --prometheus http://127.0.0.1:19090 --match 'groupname=~"server|worker"' --role server=server --from ${WIN% *} --to ${WIN#* } --out "$OUT/prometheus-past" -q > "$OUT/prometheus-past.txt" 2>&1
echo "past-window attach: $(echo "$(date +%s.%N) - $START" | bc) s wall"
echo "recording rule group:cpu_percent:rate1m: $(curl -s '127.0.0.1:19090/api/v1/query?query=group:cpu_percent:rate1m' | node -e 'let t="";process.stdin.on("data",c=>t+=c).on("end",()=>console.log(JSON.parse(t).data.result.map(r=>r.metric.groupname+"="+Number(r.value[1]).toFixed(2)+"%").join(" ")))')"
echo "load average at end: $(cat /proc/loadavg)"
grep -E '^(server|worker) |verdict|polls/s' "$OUT/run.txt" || true
echo "---- through Prometheus"
grep -E '^(server|worker) |verdict|prometheus:' "$OUT/prometheus.txt" || true
echo "---- the same window, read again afterwards (--from/--to)"
grep -E '^(server|worker) |prometheus:' "$OUT/prometheus-past.txt" || true
