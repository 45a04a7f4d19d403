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

# Nothing private or bulky may ship: no virtual environment, caches or emulator state.
if tar -tzf "$tarball" | grep -E '(^|/)(\.venv|\.build|__pycache__|\.pytest_cache)/|\.sqlite$'; then
  echo "build-check: the tarball contains files that build_ignore should exclude" >&2
  exit 1
fi

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
