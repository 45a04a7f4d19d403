"""The in-process runner's bookkeeping (plugins/plugin_utils/in_process.py), and that no module lacks its action plugin.

How modules behave in-process against shipped is proven through ansible-playbook in
tests/integration/test_in_process.py; here only what needs no playbook: every module of plugins/modules has an
action plugin over the shared runner that preloads the SDKs the module asks for, and one in-process run leaves
nothing of itself behind (arguments, warnings, environment, streams) for the next run in the same worker."""

import importlib
import json
import os
import re
import sys
import types
from pathlib import Path

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.apsaramq.cross_account.plugins.plugin_utils import in_process

REPO = Path(__file__).resolve().parents[3]
COLLECTION = "ansible_collections.apsaramq.cross_account.plugins"
MODULES = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
# What a module's source asks of the client layer: module.client("ram"), module.endpoint("mq"), ...
PRODUCT_USE = re.compile(r"\b(?:client|endpoint)\(\"(\w+)\"\)")
# ansible-core 2.17 and 2.18 (make test-matrix runs 2.17) have no module serialization profiles: every module ships.
OLD_CORE = in_process.ansiballz_loader is None
OLD_CORE_REASON = "this ansible-core has no module serialization profiles (2.19 or later runs modules in-process)"
needs_in_process_core = pytest.mark.skipif(OLD_CORE, reason="ansible-core before 2.19 ships every module")


@pytest.mark.parametrize("module", MODULES)
def test_every_module_has_its_action_plugin_over_the_shared_runner(module):
    path = REPO / "plugins" / "action" / f"{module}.py"
    assert path.is_file(), (
        f"plugins/action/{module}.py is missing: without it the module always ships. Add:\n"
        f"    ActionModule = module_action(__name__, <products it calls>)  (see plugins/action/ram_role.py)"
    )
    action = importlib.import_module(f"{COLLECTION}.action.{module}").ActionModule
    assert issubclass(action, in_process.ModuleAction)
    assert action.module_import_name == f"{COLLECTION}.modules.{module}"
    if OLD_CORE:
        assert action.cannot_run_in_process == OLD_CORE_REASON, "an ansible-core before 2.19 ships the module"
    else:
        assert action.cannot_run_in_process is None, "the module and its SDKs import on this controller"
    asked = set(PRODUCT_USE.findall((REPO / "plugins" / "modules" / f"{module}.py").read_text()))
    preloaded = {name.split(".")[0] for name in in_process.sdk_modules(action.sdk_products)}
    assert {in_process.PRODUCTS[product].package for product in asked} <= preloaded, (
        "every SDK the module calls is preloaded"
    )


def test_the_sdks_of_a_product_are_what_the_client_layer_imports():
    names = in_process.sdk_modules(("ram", "sts"))
    assert names[:2] == ["alibabacloud_ram20150501.client", "alibabacloud_ram20150501.models"]
    assert "alibabacloud_sts20150401.client" in names and len(names) == len(set(names))
    assert in_process.sdk_modules(("mq",)) == [
        "mq_http_sdk.mq_client",
        "mq_http_sdk.mq_exception",
        "mq_http_sdk.mq_producer",
    ]


def test_an_ansible_core_without_serialization_profiles_ships_every_module(monkeypatch):
    monkeypatch.setattr(in_process, "ansiballz_loader", None)  # what the import leaves on 2.17 and 2.18
    assert in_process.preload(f"{COLLECTION}.modules.ram_role", ("ram", "sts")) == OLD_CORE_REASON


@needs_in_process_core
def test_a_missing_sdk_an_unimportable_module_or_the_switch_means_shipping(monkeypatch):
    assert in_process.preload(f"{COLLECTION}.modules.ram_role", ("ram", "sts")) is None
    assert "cannot import the module" in in_process.preload(f"{COLLECTION}.modules.no_such_module", ())
    missing = in_process.PRODUCTS["ram"].__class__(
        "ram", "no_such_sdk_package", "no-such-sdk", "ram_endpoint", "ram.aliyuncs.com"
    )
    monkeypatch.setitem(in_process.PRODUCTS, "ram", missing)
    assert "cannot import no_such_sdk_package.client" in in_process.preload(f"{COLLECTION}.modules.ram_role", ("ram",))
    monkeypatch.setenv(in_process.IN_PROCESS_ENV, "false")
    assert in_process.preload(f"{COLLECTION}.modules.ram_role", ()) == f"{in_process.IN_PROCESS_ENV} is false"


def fake_module(main):
    return types.SimpleNamespace(main=main, __file__="/nowhere/fake.py")


def run_once(main, environment=None):
    """One in-process run of ``main``: (exit code, what it printed, as parsed JSON)."""
    params = json.dumps({"ANSIBLE_MODULE_ARGS": {"name": "x"}}).encode()
    with in_process.module_process(params, environment or {}, "/nowhere/fake.py") as output:
        output["rc"] = in_process.run_main(fake_module(main))
    return output["rc"], json.loads(output["stdout"]) if output["stdout"].strip() else None


@needs_in_process_core
def test_a_run_leaves_nothing_behind_for_the_next(monkeypatch):
    monkeypatch.delenv("APSARAMQ_TEST_VARIABLE", raising=False)
    seen = {}

    def main():
        seen.update(args=basic._ANSIBLE_ARGS, argv=list(sys.argv), env=os.environ.get("APSARAMQ_TEST_VARIABLE"))
        module_warnings.warn("a warning of this run")
        os.environ["LANG"] = "C"  # as AnsibleModule._check_locale may do
        print(json.dumps({"changed": False, "warnings": list(module_warnings.get_warning_messages())}))
        sys.exit(0)

    streams, argv, environ = (sys.stdout, sys.stderr), list(sys.argv), dict(os.environ)
    rc, result = run_once(main, {"APSARAMQ_TEST_VARIABLE": "from the task"})
    assert rc == 0 and result == {"changed": False, "warnings": ["a warning of this run"]}, (
        "warnings come back in the result"
    )
    assert seen == {
        "args": b'{"ANSIBLE_MODULE_ARGS": {"name": "x"}}',
        "argv": ["/nowhere/fake.py"],
        "env": "from the task",
    }
    assert (sys.stdout, sys.stderr) == streams and sys.argv == argv and dict(os.environ) == environ
    assert basic._ANSIBLE_ARGS is None and basic._ANSIBLE_PROFILE is None
    assert not module_warnings.get_warnings() and not module_warnings.get_deprecations()


@needs_in_process_core
def test_an_exception_in_main_becomes_a_failed_result_as_the_ansiballz_wrapper_makes_it():
    def main():
        raise ValueError("the module broke")

    rc, result = run_once(main)
    assert rc == 1 and result["failed"] is True
    assert "the module broke" in json.dumps(result["exception"])


@needs_in_process_core
def test_a_main_that_returns_without_exit_is_a_failure_too():
    rc, result = run_once(lambda: None)
    assert rc == 1 and "did not handle its own exit" in json.dumps(result)
