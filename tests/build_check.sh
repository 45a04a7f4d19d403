#!/usr/bin/env bash
# What a user does with a release: build the collection tarball, install it into an empty collections path,
# and read a module's documentation from the installed copy.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ansible-galaxy collection build --output-path "$work/dist" . >/dev/null
tarball=$(ls "$work"/dist/apsaramq-cross_account-*.tar.gz)
ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-galaxy collection install --collections-path "$work/collections" "$tarball" >/dev/null

fail() {
  echo "build-check: $*" >&2
  exit 1
}
tar -tzf "$tarball" | sed 's|^\./||; /\/$/d' | sort >"$work/files"

# Nothing private or bulky may ship: no virtual environment, caches or emulator state.
if grep -E '(^|/)(\.venv[^/]*|\.build|__pycache__|\.pytest_cache|\.ruff_cache)/|\.(sqlite|pyc)$' "$work/files"; then
  fail "the tarball contains files that build_ignore (galaxy.yml) should exclude"
fi

# Developer tooling, named so that a failure says what came back (the allow-list below catches the rest).
for tool in Makefile ruff.toml requirements-dev.txt galaxy.yml .ci/run tests/run_demo.py tests/benchmark.py \
  tests/run_live_emulator.py tests/build_check.sh tests/ee/check.sh tests/tools/get_pip_offline.py; do
  ! grep -Fxq "$tool" "$work/files" || fail "developer tooling $tool is in the tarball"
done
for folder in tests/unit tests/integration tests/emulator tests/ee changelogs/fragments; do
  ! grep -q "^$folder/" "$work/files" || fail "developer folder $folder/ is in the tarball"
done

# Only what users need ships (galaxy.yml explains the choice): the files below, meta/, plugins/, roles/ and
# playbooks/; of tests/, only what ansible-test sanity reads from an installed collection; of docs/, docs/docsite/.
allowed='^(MANIFEST\.json|FILES\.json|README\.md|LICENSE|CHANGELOG\.md|requirements\.txt|bindep\.txt'
allowed+='|changelogs/(changelog|config)\.yaml|meta/[^/]+\.yml|(plugins|roles|playbooks)/.+|tests/config\.yml'
allowed+='|tests/sanity/ignore-[0-9.]+\.txt|docs/docsite/.+)$'
if grep -Ev "$allowed" "$work/files"; then
  fail "the files above are outside the tarball's allow-list: add them to build_ignore in galaxy.yml, or, if" \
    "users need them, to the allow-list here"
fi

# What users need is all there: the top-level files, and every file of meta/, plugins/, roles/ and playbooks/ of
# this tree (so that no build_ignore pattern drops one by accident).
{
  printf '%s\n' README.md LICENSE CHANGELOG.md requirements.txt changelogs/changelog.yaml meta/runtime.yml \
    meta/execution-environment.yml
  find meta plugins roles playbooks -type f ! -name '*.pyc' ! -path '*/__pycache__/*'
} | sort -u >"$work/required"
if comm -23 "$work/required" "$work/files" | grep .; then
  fail "the files above are missing from the tarball"
fi

# An upper bound on the download, with room to grow: 217 KB when the bound was set; tests/ alone would add ~300 KB.
max_kb=400
size_kb=$(($(stat -c %s "$tarball") / 1024))
nfiles=$(wc -l <"$work/files")
[ "$size_kb" -lt "$max_kb" ] || fail "the tarball is ${size_kb} KB, over ${max_kb} KB: what is new in it? ($nfiles files)"
echo "build-check: $(basename "$tarball"): ${size_kb} KB (< ${max_kb} KB), $nfiles files, all in the allow-list;" \
  "$(wc -l <"$work/required") required files present, no developer tooling"

# Every module (those of the action group, and preflight, which takes no credentials and is not in it), the filter
# and a role must document themselves from the installed copy.
modules="$(sed -n '/^  all:/,$s/^    - //p' meta/runtime.yml) preflight"
for module in $modules; do
  ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-doc -t module "apsaramq.cross_account.$module" | grep -q "apsaramq.cross_account.$module"
done
ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-doc -t filter apsaramq.cross_account.rocketmq_policy | grep -q rocketmq_policy
ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-doc -t role apsaramq.cross_account.owner_setup | grep -q owner_setup
echo "build-check: ansible-doc renders ${modules//$'\n'/ } rocketmq_policy owner_setup from the installed tarball"
echo "build-check: $(basename "$tarball") builds and installs"
