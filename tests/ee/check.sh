#!/usr/bin/env bash
# make ee-check: what AWX / Automation Platform does with this collection, without a container runtime or network.
# 1. `ansible-builder create` turns tests/ee/execution-environment.yml (the collection from a freshly built tarball)
#    into a build context; the context must carry the tarball and a Containerfile that installs it and introspects.
# 2. The image's galaxy step (ansible-galaxy collection install -r requirements.yml, from the context) and builder
#    step (the context's own introspect.py) are replayed locally: the Python requirements the image would install
#    must be those of requirements.txt, read through meta/execution-environment.yml.
# 3. Control: the same introspection with a meta/execution-environment.yml that declares nothing finds nothing, so
#    it is that file (not ansible-builder's fallback of reading requirements.txt) that brings the requirements in.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "ee-check: $*" >&2
  exit 1
}

ansible-galaxy collection build --output-path "$work/build" . >/dev/null
mkdir -p "$work/ee/dist"
cp "$work"/build/apsaramq-cross_account-*.tar.gz "$work/ee/dist/apsaramq-cross_account.tar.gz"
cp tests/ee/execution-environment.yml "$work/ee/"
ctx="$work/context"
ansible-builder create --file "$work/ee/execution-environment.yml" --context "$ctx" \
  --output-filename Containerfile >"$work/create.log" 2>&1 \
  || { cat "$work/create.log" >&2; fail "ansible-builder create failed"; }

[ -f "$ctx/_build/collections/apsaramq-cross_account.tar.gz" ] || fail "the context lacks the collection tarball"
grep -Eq '^RUN .*ansible-galaxy collection install .*-r requirements.yml' "$ctx/Containerfile" \
  || fail "the Containerfile installs no collection from requirements.yml"
grep -Eq '^RUN .*introspect.py introspect .*--write-pip=' "$ctx/Containerfile" \
  || fail "the Containerfile does not introspect the installed collections"

# The galaxy stage, from the context (WORKDIR /build there). No Galaxy server is reachable: the tarball must
# install from the context alone.
# The image starts with no collection: a copy found on the caller's ANSIBLE_COLLECTIONS_PATH (make exports the stage)
# would make ansible-galaxy skip the install.
(cd "$ctx/_build" && ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-galaxy collection install \
  --server http://127.0.0.1:9 -r requirements.yml --collections-path "$work/collections") >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "the collection does not install from the context"; }
installed="$work/collections/ansible_collections/apsaramq/cross_account"
[ -f "$installed/meta/execution-environment.yml" ] || fail "the installed copy has no meta/execution-environment.yml"

# The builder stage: the context's introspect.py over the installed collections.
mkdir -p "$work/src"
python "$ctx/_build/scripts/introspect.py" introspect "$work/collections" \
  --write-pip "$work/src/requirements.txt" --write-bindep "$work/src/bindep.txt" >"$work/introspect.out"
[ -f "$work/src/requirements.txt" ] || fail "introspection found no Python requirement: $(cat "$work/introspect.out")"
# Every requirement of requirements.txt, except those ansible-builder leaves to the base image (PyYAML, with
# ansible-core), must reach the image's requirements, attributed to this collection.
checked=0
while IFS= read -r req; do
  req="${req%%#*}"
  req="${req//[[:space:]]/}"
  [ -n "$req" ] || continue
  case "${req,,}" in pyyaml* | ansible-core*) continue ;; esac
  grep -Fxq "$req  # from collection apsaramq.cross_account" "$work/src/requirements.txt" \
    || fail "requirement '$req' of requirements.txt does not reach the image: $(cat "$work/src/requirements.txt")"
  checked=$((checked + 1))
done <requirements.txt
[ "$checked" -gt 0 ] || fail "requirements.txt lists no requirement"
# meta/execution-environment.yml declares no system packages (see the comment in it).
[ ! -e "$work/src/bindep.txt" ] || fail "introspection lists system packages: $(cat "$work/src/bindep.txt")"

# Control: with a metadata file that declares no dependency, the collection contributes nothing.
printf 'version: 1\ndependencies: {}\n' >"$installed/meta/execution-environment.yml"
python "$ctx/_build/scripts/introspect.py" introspect "$work/collections" >"$work/control.out"
if grep -q 'apsaramq.cross_account' "$work/control.out"; then
  fail "introspection does not follow meta/execution-environment.yml: $(cat "$work/control.out")"
fi

echo "ee-check: ansible-builder create made a context that installs the tarball; introspection gives the image the"
echo "ee-check: $checked requirements of requirements.txt through meta/execution-environment.yml, and no system package"
