#!/bin/bash
# Grade a class as a Slurm array job: one shard per array task, then one merge job.
#   VALUES_SEED=$(python -c 'import secrets; print(secrets.randbelow(2**31))') \
#     sbatch --export=ALL --array=1-8 docs/recipes/slurm-grade.sh exam/
# Every shard grades code on the same case values (VALUES_SEED, drawn once for the whole array);
# the merge runs once every shard has finished (see docs/progress.md).
#SBATCH --job-name=tutor-grade
#SBATCH --cpus-per-task=2
#SBATCH --time=00:30:00
set -euo pipefail
EXAM="${1:-exam/}"
OUT="${GRADEBOOKS:-gradebooks}"
mkdir -p "$OUT"
# Slurm numbers array tasks as given (1-8 here); --shard is 1-based, i/N.
tutor grade "$EXAM" --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}" \
  --values-seed "${VALUES_SEED:?draw one values seed for the whole array and export it}" \
  --workers "${SLURM_CPUS_PER_TASK:-1}" --progress lines \
  --json --out "$OUT/shard-${SLURM_ARRAY_TASK_ID}.json"
