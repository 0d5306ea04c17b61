#!/usr/bin/env bash
# Prove that `make test` passes on a bare machine: a fresh clone, an empty HOME,
# no MNISTLAB_* variables, and every other copy of MNIST hidden, so the tests can
# only get the data through the tool's own source chain (fetched once, cached).
#
# Usage, from the repository root (as root, or where unprivileged user
# namespaces are allowed):
#
#   scripts/bare_machine.sh                     # make test on a clone of HEAD
#   scripts/bare_machine.sh --ref v1.2          # ... of another commit
#   scripts/bare_machine.sh --worktree          # ... of the working tree as it is now
#                                               #     (uncommitted and untracked files too)
#   scripts/bare_machine.sh -- sh -c 'make setup && .venv/bin/mnistlab data fetch'
#                                               # another command instead of make test
# Options:
#   --ref REF     the commit to clone (default HEAD)
#   --worktree    snapshot the working tree (tracked and untracked, not ignored, files)
#                 into a commit object, without touching the index or the work tree
#   --log FILE    where to write the log (default: mnistlab-bare-machine-DATE.log in TMPDIR)
#   --keep        keep the temporary directory (clone, HOME, TMPDIR) afterwards
#
# Inside a private mount namespace, empty tmpfs are mounted over the repository's
# sibling `shared` folder, over mnistlab's cache and data directories of the real
# HOME (and XDG_CACHE_HOME / XDG_DATA_HOME) and over the system's data sets
# (DIR/datasets for each DIR of XDG_DATA_DIRS, /usr/local/share and /usr/share),
# when they exist; the command runs only once the data is checked to be invisible.
set -euo pipefail
# The whole script is one block, read before it runs: editing the file while a
# long run is going on cannot change what that run does.
{

INSIDE=--inside-namespace-do-not-use
MNIST_FILES=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
             t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

# ---------------------------------------------------------------- inside the namespace
if [ "${1:-}" = "$INSIDE" ]; then
  shift
  clone=$1 shared=$2
  shift 2
  hides=()
  while [ "$1" != -- ]; do hides+=("$1"); shift; done
  shift
  for dir in "${hides[@]}"; do
    mount -t tmpfs -o size=1m,mode=0755 bare-machine-empty "$dir"
    echo "bare machine: hidden $dir"
  done
  cd "$clone"
  failed=0
  for f in "${MNIST_FILES[@]}"; do
    for dir in ../shared/data/mnist "$shared/data/mnist"; do
      if [ -e "$dir/$f" ]; then echo "bare machine: $dir/$f is still visible" >&2; failed=1; fi
    done
  done
  for dir in "${hides[@]}"; do
    if [ -n "$(ls -A "$dir")" ]; then echo "bare machine: $dir is not empty" >&2; failed=1; fi
  done
  if env | grep -q '^MNISTLAB_'; then
    echo "bare machine: MNISTLAB_* variables are set" >&2
    failed=1
  fi
  if [ -n "$(ls -A "$HOME")" ]; then echo "bare machine: HOME $HOME is not empty" >&2; failed=1; fi
  if [ "$failed" != 0 ]; then
    echo "bare machine: the data is not hidden; not running the command" >&2
    exit 97
  fi
  echo "bare machine: no copy of MNIST visible; HOME=$HOME; running: $*"
  # Ctrl-C as a terminal gives it, even when this script was started in the
  # background (which leaves SIGINT ignored): the tests of Ctrl-C need it.
  exec env --default-signal=INT "$@"
fi

# ---------------------------------------------------------------- outside
ref=HEAD worktree=0 log="" keep=0
command=(make test)
while [ $# -gt 0 ]; do
  case "$1" in
    --ref) ref=$2; shift 2 ;;
    --worktree) worktree=1; shift ;;
    --log) log=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --) shift; command=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bare_machine.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
if [ ${#command[@]} -eq 0 ]; then echo "bare_machine.sh: no command after --" >&2; exit 2; fi

repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
shared=$(realpath -m "$repo/../shared")
self=$(realpath "$0")

head=$(git -C "$repo" rev-parse --verify HEAD)
if [ "$worktree" = 1 ]; then
  # A commit of the working tree made with a throw-away index: the repository's
  # index, work tree and refs are left as they are.
  index=$(mktemp "${TMPDIR:-/tmp}/bare-machine-index.XXXXXX")
  trap 'rm -f "$index"' EXIT
  cp "$(git -C "$repo" rev-parse --git-path index)" "$index" 2>/dev/null || true
  GIT_INDEX_FILE=$index git -C "$repo" add -A
  tree=$(GIT_INDEX_FILE=$index git -C "$repo" write-tree)
  rm -f "$index"
  sha=$(git -C "$repo" commit-tree "$tree" -p "$head" -m "bare-machine snapshot of the working tree")
  what="working tree of $head (snapshot $sha)"
else
  sha=$(git -C "$repo" rev-parse --verify "$ref^{commit}")
  what="commit $sha"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mnistlab-bare-machine.XXXXXX")
stamp=$(date -u +%Y%m%dT%H%M%SZ)
log=${log:-${TMPDIR:-/tmp}/mnistlab-bare-machine-$stamp.log}
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

clone=$work/mnistlab
git clone --quiet --no-checkout "$repo" "$clone"
if ! git -C "$clone" cat-file -e "$sha^{commit}" 2>/dev/null; then
  git -C "$clone" -c uploadpack.allowAnySHA1InWant=true fetch --quiet origin "$sha"
fi
git -C "$clone" -c advice.detachedHead=false checkout --quiet --detach "$sha"
git -C "$clone" remote remove origin
mkdir -p "$work/home" "$work/tmp"

# What to hide: every other place a copy of the data could be found.
hides=()
candidates=("$shared" "$HOME/.cache/mnistlab" "$HOME/.local/share/mnistlab")
[ -n "${XDG_CACHE_HOME:-}" ] && candidates+=("$XDG_CACHE_HOME/mnistlab")
[ -n "${XDG_DATA_HOME:-}" ] && candidates+=("$XDG_DATA_HOME/mnistlab")
# Data sets installed by the system: DIR/datasets under XDG_DATA_DIRS (and its
# default), and /usr/share/datasets, which the tool's chain reads before the network.
IFS=: read -r -a system_dirs <<< "${XDG_DATA_DIRS:-}:/usr/local/share:/usr/share"
for dir in "${system_dirs[@]}"; do
  if [ -n "$dir" ]; then candidates+=("$dir/datasets"); fi
done
for dir in "${candidates[@]}"; do
  if [ -d "$dir" ]; then hides+=("$(realpath "$dir")"); fi
done
mapfile -t hides < <(printf '%s\n' "${hides[@]}" | awk 'NF && !seen[$0]++')

# The environment: what pip and the tools need, nothing of mnistlab's.
keep_env=(HOME="$work/home" TMPDIR="$work/tmp" PATH="$PATH" LANG="${LANG:-C.UTF-8}")
while IFS= read -r name; do
  keep_env+=("$name=${!name}")
done < <(compgen -e | grep -E '^(PIP_[A-Z_]+|PYENV_[A-Z_]+|TORCH_INDEX|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|SSL_CERT_(FILE|DIR)|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|TERM)$' || true)

if [ "$(id -u)" = 0 ]; then
  unshare=(unshare --mount --propagation private)
else
  unshare=(unshare --user --map-root-user --mount --propagation private)
fi

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$(date +%s)
{
  echo "bare machine: $what"
  echo "bare machine: clone in $clone, started $started"
  echo "bare machine: command: ${command[*]}"
} | tee "$log"
set +e
"${unshare[@]}" -- env -i "${keep_env[@]}" \
  bash "$self" "$INSIDE" "$clone" "$shared" "${hides[@]}" -- "${command[@]}" 2>&1 | tee -a "$log"
code=${PIPESTATUS[0]}
set -e
seconds=$(( $(date +%s) - t0 ))
closing_line='^=*[ ]?([0-9]+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed|warnings?)|no tests ran)\b.* in [0-9.]+s'
closing=$(grep -E "$closing_line" "$log" | tail -n 1 || true)
{
  echo
  echo "==== bare machine summary"
  echo "tested:   $what"
  echo "date:     $started"
  printf 'duration: %dm%02ds\n' $((seconds / 60)) $((seconds % 60))
  echo "command:  ${command[*]}"
  echo "pytest:   ${closing:-(no pytest closing line)}"
  echo "exit:     $code"
  echo "log:      $log"
} | tee -a "$log"
exit "$code"
}
