# Salt workloads for scripts/bench (sourced; uses its helpers, $work, $venv, $reps, $salt_fanouts).
#
# One salt-master and minions on 127.0.0.1, each with its own config, pki, cache and socket
# directories under the work dir (root_dir), auto_accept/open_mode on, run as root. Each daemon
# runs in the foreground in its own process group (setsid), which is stopped by id on exit.
#
#  W1: `salt-run state.orchestrate bench_w1`: 30 salt.function states, each `cmd.run <path of true>` on one
#      minion (app-1, db-1, plat-1 in turn), in order; salt.function fails a state whose minion
#      returned a non-zero retcode (the exit-code check). Wall time of salt-run.
#  W2: `salt 'fan-*' cmd.retcode /usr/bin/true` to N minions at once; wall time of the salt
#      command; every one of the N minions must have returned exit code 0.

salt_dir=""; salt_conf=""

salt_start_daemon() {   # salt_start_daemon LOG COMMAND...
  local log="$1"; shift
  setsid "$@" >>"$log" 2>&1 &
  pids+=($!); groups+=($!)
}

salt_start_minion() {   # salt_start_minion ID
  local id="$1" dir="$salt_dir/minion-$1"
  mkdir -p "$dir/conf"
  cat >"$dir/conf/minion" <<EOF
id: $id
master: 127.0.0.1
master_port: $salt_ret_port
publish_port: $salt_pub_port
root_dir: $dir/root
user: root
log_file: $dir/minion.log
log_level_logfile: warning
acceptance_wait_time: 1
random_reauth_delay: 0
EOF
  salt_start_daemon "$dir/stdout.log" "$venv/bin/salt-minion" -c "$dir/conf" -l warning
  salt_minion_pids+=("${pids[-1]}")
}

salt_wait_minions() {   # salt_wait_minions PATTERN COUNT
  local pattern="$1" want="$2" got=0
  for _ in $(seq 1 120); do
    got="$(timeout 60 "$venv/bin/salt" -c "$salt_conf" "$pattern" test.ping --out=json --static -t 5 2>/dev/null \
      | python3 -c 'import json,sys
try: print(sum(1 for v in json.load(sys.stdin).values() if v is True))
except Exception: print(0)' || true)"
    [ "${got:-0}" -ge "$want" ] && return 0
    sleep 1
  done
  echo "bench: only $got of $want salt minions answered" >&2
  return 1
}

salt_workloads() {
  say "W5: Salt $salt_version (one master, minions on 127.0.0.1)"
  salt_dir="$work/salt"; salt_conf="$salt_dir/master-conf"
  mkdir -p "$salt_conf" "$salt_dir/states"
  salt_pub_port="$(free_port)"; salt_ret_port="$(free_port)"
  while [ "$salt_ret_port" = "$salt_pub_port" ]; do salt_ret_port="$(free_port)"; done
  cat >"$salt_conf/master" <<EOF
root_dir: $salt_dir/master-root
interface: 127.0.0.1
publish_port: $salt_pub_port
ret_port: $salt_ret_port
user: root
open_mode: True
auto_accept: True
file_roots:
  base:
    - $salt_dir/states
log_file: $salt_dir/master.log
log_level_logfile: warning
EOF
  local hosts=(app-1 db-1 plat-1) i rep n t0 t1
  {
    for i in $(seq 1 30); do
      echo "step-$i:"
      echo "  salt.function:"
      echo "    - name: cmd.run"
      echo "    - tgt: ${hosts[$(( (i - 1) % 3 ))]}"
      echo "    - arg:"
      echo "      - \"$true_bin\""
    done
  } >"$salt_dir/states/bench_w1.sls"

  salt_start_daemon "$salt_dir/master.stdout" "$venv/bin/salt-master" -c "$salt_conf" -l warning
  local master_pid="${pids[-1]}"
  salt_minion_pids=()
  for id in "${hosts[@]}"; do salt_start_minion "$id"; done
  local first_fanout="${salt_fanouts%% *}"
  for i in $(seq 1 "$first_fanout"); do salt_start_minion "fan-$i"; done
  if ! salt_wait_minions '*' $((3 + first_fanout)); then
    result W1.wall salt "!salt minions did not connect (see master.log)"
    tail -20 "$salt_dir/master.log" >&2 || true
    salt_stop; return 1
  fi

  for rep in $(seq 1 "$reps"); do
    t0=$(now_ns)
    if timeout 300 "$venv/bin/salt-run" -c "$salt_conf" state.orchestrate bench_w1 --out=json >"$salt_dir/w1.json" 2>"$salt_dir/w1.err" \
      && ! grep -q '"result": false' "$salt_dir/w1.json" \
      && [ "$(grep -c '"result": true' "$salt_dir/w1.json")" -ge 30 ]; then
      t1=$(now_ns); result W1.wall salt "$(elapsed_s "$t0" "$t1")"
      echo "   salt W1 rep $rep: $(elapsed_s "$t0" "$t1")s" >&2
    else
      result W1.wall salt "!salt-run state.orchestrate failed: $(head -c 200 "$salt_dir/w1.err" | tr '\n\t' '  ')"
      head -c 2000 "$salt_dir/w1.json" >&2; break
    fi
  done

  local started="$first_fanout"
  for n in $salt_fanouts; do
    while [ "$started" -lt "$n" ]; do started=$((started + 1)); salt_start_minion "fan-$started"; done
    if ! salt_wait_minions 'fan-*' "$n"; then
      result "W2.${n}w" salt "!only some of $n minions connected"; continue
    fi
    for rep in $(seq 1 "$reps"); do
      t0=$(now_ns)
      if timeout 300 "$venv/bin/salt" -c "$salt_conf" 'fan-*' cmd.retcode "$true_bin" --out=json --static -t 120 \
        >"$salt_dir/w2.json" 2>"$salt_dir/w2.err"; then
        t1=$(now_ns)
        local returned
        returned="$(python3 -c 'import json,sys; print(sum(1 for v in json.load(open(sys.argv[1])).values() if v == 0))' "$salt_dir/w2.json" 2>/dev/null || true)"
        if [ "$returned" = "$n" ]; then
          result "W2.${n}w" salt "$(elapsed_s "$t0" "$t1")"
          echo "   salt W2 N=$n rep $rep: $(elapsed_s "$t0" "$t1")s" >&2
        else
          result "W2.${n}w" salt "!only ${returned:-0} of $n minions returned exit code 0"; break
        fi
      else
        result "W2.${n}w" salt "!salt cmd.run failed: $(head -c 200 "$salt_dir/w2.err" | tr '\n\t' '  ')"; break
      fi
    done
  done

  # Idle footprint of a minion (its whole process tree), for comparison with baton-agent.
  sleep 5
  for pid in "${salt_minion_pids[@]:0:3}"; do
    local kb=0 p
    for p in "$pid" $(descendants "$pid"); do kb=$((kb + $(rss_kb "$p"))); done
    result W4.rss salt "$(python3 -c "print($kb / 1024)")"
  done
  salt_stop
}

salt_stop() {
  local group
  for group in "${groups[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for group in "${groups[@]}"; do kill -0 -- "-$group" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for group in "${groups[@]}"; do kill -KILL -- "-$group" 2>/dev/null || true; done
  groups=()
}
