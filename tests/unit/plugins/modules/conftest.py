# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's ``main()`` in this process, the amazon.aws way (tests/unit/plugins/modules/conftest.py there).

- ``patch_ansible_module``: the module arguments AnsibleModule reads. ansible-core 2.19 has a supported helper for it,
  ``ansible.module_utils.testing.patch_module_args`` (it also sets the serialization profile that 2.19 requires); older
  cores read the JSON bytes in ``basic._ANSIBLE_ARGS`` directly, which is what the fallback sets. Parametrize it
  indirectly with a dict, as amazon.aws does, or call the function it returns.
- ``exit_json``/``fail_json`` of AnsibleModule raise AnsibleExitJson/AnsibleFailJson carrying the result, so a test
  reads it as the module built it: before Ansible's own no_log masking, which makes the secret checks strict.
  AlibabaCloudModule's overrides still run (they add ``api_calls``).
- ``fake_api``: the one seam to the cloud, ``base.build_api_client``, returns the real ApiClient (check mode refusal,
  ``ignore``, retries, write reconciliation, call recording) over a stand-in SDK that records each request and answers
  from the test's canned RAM/STS bodies. An action the real SDK does not have is not an action here either; a read
  the test did not answer fails the test, naming it; a write nobody answered returns ``{}``.
"""

from __future__ import annotations

import contextlib

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.apsaramq.cross_account.plugins.module_utils import base

from .utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    FakeApi,
    exit_json,
    fail_json,
    option_environment,
    patch_module_args,
)


@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    """exit_json and fail_json raise; warnings start empty; no credential or endpoint comes from the environment."""
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    for name in ("_global_warnings", "_global_deprecations"):
        monkeypatch.setattr(module_warnings, name, type(getattr(module_warnings, name))())
    for name in option_environment():
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def patch_ansible_module(request):
    """Module arguments for AnsibleModule: ``@pytest.mark.parametrize("patch_ansible_module", [{...}], indirect=True)``,
    or ``patch_ansible_module({...})`` in the test. Returns the setter."""
    with contextlib.ExitStack() as stack:

        def set_args(args):
            stack.enter_context(patch_module_args(dict(args)))
            return args

        if hasattr(request, "param"):
            set_args(request.param)
        yield set_args


@pytest.fixture
def fake_api(monkeypatch):
    api = FakeApi()
    monkeypatch.setattr(base, "build_api_client", api.build_api_client)
    return api


@pytest.fixture
def run_module(patch_ansible_module):
    """``run_module(main, args, check_mode=False, diff=True)``: the result of exit_json; a failure fails the test.
    ``fail_module(...)`` is the other way round."""

    def run(main, args, check_mode=False, diff=True, expect=AnsibleExitJson):
        patch_ansible_module(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff))
        try:
            main()
        except (AnsibleExitJson, AnsibleFailJson) as done:
            if isinstance(done, expect):
                return done.result
            pytest.fail(f"expected {expect.__name__}, got {type(done).__name__}: {done.result}")
        pytest.fail("main() returned without exit_json or fail_json")
        return None

    return run


@pytest.fixture
def fail_module(run_module):
    def run(main, args, check_mode=False, diff=True):
        return run_module(main, args, check_mode, diff, expect=AnsibleFailJson)

    return run
