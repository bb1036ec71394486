#!/usr/bin/env bash
# End to end through the real binary, `cairn run --auto --yes --no-journal RUNBOOK > /dev/null`,
# against floors run in the same invocation (medians of 3, milliseconds):
#
# 1. Many small blocks: a runbook of $BLOCKS steps, each one `true` block. Floor: starting
#    `sh -c true` as many times. Shows the fixed cost cairn adds per block (script and spool
#    files, a terminal, the state file, the printed step).
# 2. One big block: `yes '<64 characters>' | head -c $BYTES`, printed by --auto to /dev/null.
#    Floor: `script -q -c <same> FILE > /dev/null` (a pty copied to stdout and a file).
#
# Usage: benches/blocks.sh   (after `cargo build --release`)
# Env: CAIRN (default target/release/cairn), BLOCKS (default 200),
#      CAIRN_BENCH_BYTES (default 268435456 = 256 MiB; benches/exec.rs does 1 GiB per path).
set -euo pipefail

cd "$(dirname "$0")/.."
cairn=${CAIRN:-target/release/cairn}
blocks=${BLOCKS:-200}
bytes=${CAIRN_BENCH_BYTES:-268435456}
line='some output line of about sixty characters for the benchmark run'
[ -x "$cairn" ] || { echo "no $cairn: run cargo build --release first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Milliseconds taken by "$@" (output discarded), median of 3 runs.
median_ms() {
    local times=() start end
    for _ in 1 2 3; do
        rm -f "$work/floor.out"
        start=$(date +%s%N)
        "$@" >/dev/null </dev/null
        end=$(date +%s%N)
        times+=($(( (end - start) / 1000000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}

# `shell: sh` so each block starts the same shell as the floor does (bash starts slower).
{
    printf -- '---\nshell: sh\n---\n'
    echo "# Many blocks"
    for i in $(seq "$blocks"); do
        printf '\n## Step %d\n\n```sh\ntrue\n```\n' "$i"
    done
} >"$work/many.md"
printf -- '---\nshell: sh\n---\n# One big block\n\n## Print\n\n```sh\n%s\n```\n' "yes '$line' | head -c $bytes" >"$work/big.md"

floor_blocks() { for _ in $(seq "$blocks"); do sh -c true; done; }
floor_big() { SHELL=/bin/sh script -q -c "yes '$line' | head -c $bytes" "$work/floor.out"; }

cairn_many=$(median_ms "$cairn" run --auto --yes --no-journal "$work/many.md")
# The same walk recorded: a fresh journal for each run, made before the clock starts.
journal_many() { "$cairn" run --auto --yes --journal "$work/journal-$1" "$work/many.md"; }
journaled=()
for run in 1 2 3; do
    start=$(date +%s%N)
    journal_many "$run" >/dev/null
    end=$(date +%s%N)
    journaled+=($(( (end - start) / 1000000 )))
done
cairn_journal=$(printf '%s\n' "${journaled[@]}" | sort -n | sed -n 2p)
floor_many=$(median_ms floor_blocks)
cairn_big=$(median_ms "$cairn" run --auto --yes --no-journal "$work/big.md")
floor_big=$(median_ms floor_big)

awk -v b="$blocks" -v cm="$cairn_many" -v cj="$cairn_journal" -v fm="$floor_many" -v by="$bytes" -v cb="$cairn_big" -v fb="$floor_big" 'BEGIN {
    printf "%-52s %9s %12s\n", "case (median of 3)", "ms", "per unit"
    printf "%-52s %9d %9.2f ms/block\n", "cairn run --auto: " b " blocks of `true`", cm, cm / b
    printf "%-52s %9d %9.2f ms/block\n", "cairn run --auto --journal: " b " blocks", cj, cj / b
    printf "%-52s %9d %9.2f ms/block\n", "floor: sh -c true, " b " times", fm, fm / b
    printf "%-52s %9d %9.1f MB/s\n", "cairn run --auto > /dev/null: " by " B block", cb, by / 1e3 / cb
    printf "%-52s %9d %9.1f MB/s\n", "floor: script -q -c CMD FILE > /dev/null", fb, by / 1e3 / fb
    printf "per-block overhead over the floor: %.2f ms (%.2f ms with the journal: %.1f events a block); big block floor/cairn = %.2f\n", (cm - fm) / b, (cj - fm) / b, 5, fb / cb
}'
