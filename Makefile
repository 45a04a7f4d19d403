# Two commands matter (see README.md): `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUILD := .build
# ansible-test and ansible-playbook need the collection under ansible_collections/<namespace>/<name>.
COLLECTIONS := $(abspath $(BUILD)/collections)
STAGE := $(COLLECTIONS)/ansible_collections/apsaramq/cross_account
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
# The SDKs honour HTTP(S)_PROXY and ignore NO_PROXY: never proxy the local emulator.
unexport HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy

.PHONY: demo demo-run test setup stage changelog-lint lint-python format docs docs-run doc-lint doc-lint-run \
  ansible-lint ansible-lint-run ee-check test-matrix sanity sanity-run pytest units integration build-check clean test-live test-live-emulator

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt tests/emulator/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q -e tests/emulator
	touch $@

# Copy the tracked (and untracked, not ignored) files into the ansible_collections tree.
# The stage sits inside this ignored .build/ folder: it gets a repository of its own so that ansible-test, which lists
# files with git, sees them.
define copy_tree_to
	rm -rf $(1) && mkdir -p $(1)
	git ls-files -z -c -o --exclude-standard | while IFS= read -r -d '' f; do [ -e "$$f" ] && printf '%s\0' "$$f"; done \
	  | tar -cf - --null -T - | tar -xf - -C $(1)
	cd $(1) && git init -q && git add -A
endef

stage: setup
	$(call copy_tree_to,$(STAGE))

demo: stage
	$(MAKE) --no-print-directory demo-run

demo-run:
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python tests/run_demo.py

# The static checks first, two at a time (each uses one core; none writes what another reads), then the rest in order.
test: stage
	$(MAKE) --no-print-directory -j2 --output-sync=target changelog-lint lint-python ansible-lint-run doc-lint-run docs-run ee-check
	$(MAKE) --no-print-directory sanity-run build-check demo-run pytest test-live-emulator test-matrix

# Python style (ruff.toml): formatted as `ruff format` leaves it, and no lint finding. `make format` fixes both.
lint-python: setup
	$(BIN)/ruff format --check --diff .
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every user-visible change adds a fragment to changelogs/fragments/ (see README.md, "Release notes").
changelog-lint: setup
	$(BIN)/antsibull-changelog lint

# Unit tests, the emulator's own tests and the integration tests, in one pytest run on both cores.
pytest:
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python -m pytest -n 2 -q tests/unit tests/emulator/tests tests/integration

# ansible-test bootstraps pip in each sanity venv with a script it downloads from a host outside the package
# registries; tests/tools/get_pip_offline.py does the same job with ensurepip and the index.
# $(1) is the virtualenv whose ansible-test runs (the pip version it bootstraps differs between ansible-core versions).
ansible_test_pip = $(shell grep -ohE "pip='[0-9.]+'" $(1)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py 2>/dev/null | grep -oE "[0-9.]+[0-9]")
define offline_pip_bootstrap
	mkdir -p $(HOME)/.ansible/test/cache
	cp tests/tools/get_pip_offline.py $(HOME)/.ansible/test/cache/get_pip_$(subst .,_,$(call ansible_test_pip,$(1))).py
endef

sanity: stage
	$(MAKE) --no-print-directory sanity-run

sanity-run:
	$(call offline_pip_bootstrap,$(VENV))
	cd $(STAGE) && PATH=$(abspath $(BIN)):$$PATH $(abspath $(BIN))/ansible-test sanity --local --requirements --python 3.11 --color no

units:
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python -m pytest -q tests/unit

integration:
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python -m pytest -q tests/integration

# Live mode (README.md, "Live mode"): the integration suite, unchanged, against the real Alibaba Cloud with the
# accounts of the LIVE_* variables. Without them (or without LIVE_I_UNDERSTAND_THIS_CREATES_RESOURCES=yes) it stops
# at the check, which says what to set, before anything is created. Serial by default: the tests share the
# instance's topics and groups. Extra pytest arguments: make test-live PYTEST_ARGS="-k sts_assume".
# The proxy variables unexported above are handed back here: the real cloud may be behind one.
PROXY_NAMES = HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
LIVE_PROXY_ENV = $(foreach v,$(PROXY_NAMES),$(if $($(v)),$(v)='$($(v))'))
test-live: setup
	$(BIN)/python tests/integration/live_cloud.py check
	$(LIVE_PROXY_ENV) PATH=$(abspath $(BIN)):$$PATH INTEGRATION_TARGET=live $(BIN)/python -m pytest -q -p no:cacheprovider \
	  tests/integration $(PYTEST_ARGS)

# The live-mode suite against one local emulator standing in for the cloud (tests/run_live_emulator.py): the LIVE_*
# variables name its accounts (keys with exactly the least-privilege policies README.md shows) and
# ALIBABA_CLOUD_ENDPOINT_URL points at it. Proves the live path end to end, public APIs only.
LIVE_EMULATOR_ARGS ?= -n 2 --dist loadgroup
test-live-emulator: setup
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python tests/run_live_emulator.py $(LIVE_EMULATOR_ARGS)

# What a user does: build the tarball, install it elsewhere, read a module's documentation from there.
build-check:
	PATH=$(abspath $(BIN)):$$PATH tests/build_check.sh

clean:
	rm -rf $(BUILD) $(VENV)

# Docs site (docs/: antsibull-docs + Sphinx, README.md "Documentation site"): the pages of every module, filter and
# role, generated from the staged collection, built strict (any Sphinx warning fails) and offline (docs/conf.py).
# Output: .build/docs/html/index.html.
DOCS_BUILD := $(BUILD)/docs
docs: stage
	$(MAKE) --no-print-directory docs-run

docs-run:
	rm -rf $(DOCS_BUILD) && mkdir -p $(DOCS_BUILD)/rst && chmod 700 $(DOCS_BUILD)/rst
	cp docs/rst/index.rst $(DOCS_BUILD)/rst/
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/antsibull-docs --config-file docs/antsibull-docs.cfg collection --use-current \
	  --fail-on-error --dest-dir $(DOCS_BUILD)/rst apsaramq.cross_account
	$(BIN)/sphinx-build -q -b html -c docs -d $(DOCS_BUILD)/doctrees -W --keep-going $(DOCS_BUILD)/rst $(DOCS_BUILD)/html

# The collection's documentation as the Ansible docsite's linter sees it: markup, references, schema of every plugin
# and role (antsibull-docs lint-collection-docs --plugin-docs), on the staged collection.
doc-lint: stage
	$(MAKE) --no-print-directory doc-lint-run

doc-lint-run:
	cd $(STAGE) && PATH=$(abspath $(BIN)):$$PATH $(abspath $(BIN))/antsibull-docs lint-collection-docs --plugin-docs .

# AWX / Automation Platform (README.md, "AWX / Automation Platform (execution environments)"): ansible-builder
# makes the build context of an execution environment with the collection from a fresh tarball
# (tests/ee/execution-environment.yml); the image's install and introspection steps, replayed from that context,
# must give it the Python requirements of requirements.txt through meta/execution-environment.yml. No container
# runtime, no network.
ee-check: setup
	PATH=$(abspath $(BIN)):$$PATH tests/ee/check.sh

# Ansible content (.ansible-lint): ansible-lint's production profile over the whole collection, offline (no Galaxy);
# its syntax check of the playbooks finds apsaramq.cross_account in the staged copy (ANSIBLE_COLLECTIONS_PATH above).
ansible-lint: stage
	$(MAKE) --no-print-directory ansible-lint-run

ansible-lint-run:
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/ansible-lint --profile production --nocolor

# The oldest ansible-core meta/runtime.yml claims (requires_ansible), in a virtualenv of its own; `make test` runs the
# newest (2.19, in .venv). On 2.17: the sanity tests whose outcome depends on ansible-core (runtime-metadata checks
# requires_ansible; ansible-doc, validate-modules, import, action-plugin-docs), from a private stage; the unit tests;
# an integration subset: modules in normal and check mode (sts_assume, ram_group) and the roles' input checks. The
# sanity tests of style and syntax (pep8, pylint, yamllint, shellcheck, compile...) see the same files with the same
# Python in `make sanity`; here pylint alone would double the time.
MATRIX_CORE := 2.17
MATRIX_VENV := .venv-$(MATRIX_CORE)
MATRIX_BIN := $(abspath $(MATRIX_VENV))/bin
MATRIX_STAGE := $(abspath $(BUILD))/matrix-$(MATRIX_CORE)/ansible_collections/apsaramq/cross_account
MATRIX_SANITY := action-plugin-docs ansible-doc import runtime-metadata validate-modules
MATRIX_INTEGRATION := tests/integration/test_sts_assume.py tests/integration/test_ram_group.py \
  tests/integration/test_role_inputs.py
# The test tools, with the pins of requirements-dev.txt.
MATRIX_TOOLS := '^(pytest|pytest-xdist|werkzeug|aliyun-python-sdk-[a-z]+)[<>=~!]'

$(MATRIX_VENV)/.installed: requirements.txt requirements-dev.txt tests/emulator/pyproject.toml
	test -x $(MATRIX_BIN)/python || $(PYTHON) -m venv $(MATRIX_VENV)
	$(MATRIX_BIN)/python -m pip install -q --upgrade pip
	$(MATRIX_BIN)/python -m pip install -q "ansible-core~=$(MATRIX_CORE).0" -r requirements.txt \
	  $$(grep -E $(MATRIX_TOOLS) requirements-dev.txt)
	$(MATRIX_BIN)/python -m pip install -q -e tests/emulator
	touch $@

test-matrix: $(MATRIX_VENV)/.installed
	$(MATRIX_BIN)/python -c "from ansible.release import __version__ as v; assert v.startswith('$(MATRIX_CORE).'), v"
	$(call copy_tree_to,$(MATRIX_STAGE))
	$(call offline_pip_bootstrap,$(MATRIX_VENV))
	cd $(MATRIX_STAGE) && PATH=$(MATRIX_BIN):$$PATH $(MATRIX_BIN)/ansible-test sanity --local --requirements \
	  --python 3.11 --color no $(addprefix --test ,$(MATRIX_SANITY))
	PATH=$(MATRIX_BIN):$$PATH $(MATRIX_BIN)/python -m pytest -n 2 -q -p no:cacheprovider tests/unit $(MATRIX_INTEGRATION)
