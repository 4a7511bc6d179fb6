#!/usr/bin/env bash
# Removes what a fault run or a soak left behind when it was killed outright (a CI timeout, SIGKILL):
# for each state directory /tmp/assay-faults-* and /tmp/assay-soak-* (or the ones named), the
# processes listed in its `pids` file (only if still an Assay or Redis process), its Postgres
# cluster, and the directory. A run that ends normally has already done this itself.
set -u
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  shopt -s nullglob
  dirs=("${TMPDIR:-/tmp}"/assay-faults-* "${TMPDIR:-/tmp}"/assay-soak-*)
fi
for dir in "${dirs[@]}"; do
  [ -d "$dir" ] || continue
  if [ -f "$dir/pids" ]; then
    while read -r pid; do
      [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || continue
      if tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qE 'assay\.mjs|redis-server'; then kill -KILL "$pid" 2>/dev/null || true; fi
    done < "$dir/pids"
  fi
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    pid=$(head -1 "$dir/pg/data/postmaster.pid")
    [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -rf "$dir"
  echo "removed $dir"
done
