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
installed="$work/collections/ansible_collections/apsaramq/cross_account"

# Nothing private or bulky may ship: no virtual environment, caches or emulator state.
if tar -tzf "$tarball" | grep -E '(^|/)(\.venv|\.build|__pycache__|\.pytest_cache)/|\.sqlite$'; then
  echo "build-check: the tarball contains files that build_ignore should exclude" >&2
  exit 1
fi

for module in ram_role ram_policy ram_user_grant sts_assume; do
  if [ -f "$installed/plugins/modules/$module.py" ]; then
    ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-doc -t module "apsaramq.cross_account.$module" | grep -q "apsaramq.cross_account.$module"
    echo "build-check: ansible-doc renders apsaramq.cross_account.$module from the installed tarball"
  fi
done
echo "build-check: $(basename "$tarball") builds and installs"
