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

.PHONY: demo demo-run test setup stage sanity pytest units integration build-check clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt tests/emulator/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q -e tests/emulator
	touch $@

# Copy the tracked (and untracked, not ignored) files into the ansible_collections tree.
stage: setup
	rm -rf $(STAGE) && mkdir -p $(STAGE)
	git ls-files -z -c -o --exclude-standard | while IFS= read -r -d '' f; do [ -e "$$f" ] && printf '%s\0' "$$f"; done \
	  | tar -cf - --null -T - | tar -xf - -C $(STAGE)
	# The stage sits inside this ignored .build/ folder: give it a repository of its own so that ansible-test,
	# which lists files with git, sees them.
	cd $(STAGE) && git init -q && git add -A

demo: stage
	$(MAKE) --no-print-directory demo-run

demo-run:
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python tests/run_demo.py

test: stage
	$(MAKE) --no-print-directory sanity build-check demo-run pytest

# Unit tests, the emulator's own tests and the integration tests, in one pytest run on both cores.
pytest:
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python -m pytest -n 2 -q tests/unit tests/emulator/tests tests/integration

# ansible-test bootstraps pip in each sanity venv with a script it downloads from a host outside the package
# registries; tests/tools/get_pip_offline.py does the same job with ensurepip and the index.
ANSIBLE_TEST_PIP = $(shell grep -ohE "pip='[0-9.]+'" $(VENV)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py 2>/dev/null | grep -oE "[0-9.]+[0-9]")
sanity: stage
	mkdir -p $(HOME)/.ansible/test/cache
	cp tests/tools/get_pip_offline.py $(HOME)/.ansible/test/cache/get_pip_$(subst .,_,$(ANSIBLE_TEST_PIP)).py
	cd $(STAGE) && PATH=$(abspath $(BIN)):$$PATH $(abspath $(BIN))/ansible-test sanity --local --requirements --python 3.11 --color no

units:
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python -m pytest -q tests/unit

integration:
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python -m pytest -q tests/integration

# What a user does: build the tarball, install it elsewhere, read a module's documentation from there.
build-check:
	PATH=$(abspath $(BIN)):$$PATH tests/build_check.sh

clean:
	rm -rf $(BUILD) $(VENV)
