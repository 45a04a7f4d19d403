# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugins of this collection's modules: run the module inside Ansible's worker when it may, ship it otherwise.

A shipped module pays, per task, a temporary directory, the AnsiballZ transfer, a new Python process and the import
of the official SDK (about 0.3 s of ``alibabacloud_tea_openapi`` -> ``alibabacloud_credentials`` -> ``Tea.core``).
When the task runs on the controller, with the controller's own Python, the worker already has all of that:

- The action plugin of a module imports the module and its product SDK when Ansible loads the plugin. The linear and
  free strategies load each task's action class in the main process before they fork the task's worker, so every
  worker starts with the SDK in memory (the main process grows by about 20 MiB, once per run).
- The worker then runs the module's ``main()`` with the arguments exactly as Ansible would ship them (task arguments
  after ``module_defaults`` plus the ``_ansible_*`` internals, JSON-encoded with the module's serialization profile),
  captures what it prints, and parses it as a shipped module's output (``_parse_returned_data``). An exception the
  module does not handle becomes a failed result, as the AnsiballZ wrapper makes it.

Everything else is shipped exactly as before: ``become``, ``async``, a connection other than ``local``, another
Python interpreter (or one still to be discovered), an SDK the controller cannot import, an ansible-core without the
2.19 module serialization API, and every task when ``APSARAMQ_IN_PROCESS`` is false.

One action plugin per module, two lines over this file (``plugins/action/ram_role.py``)::

    from ansible_collections.apsaramq.cross_account.plugins.plugin_utils.in_process import module_action
    ActionModule = module_action(__name__, "ram")
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import sys

from ansible.errors import AnsibleError
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action.normal import ActionModule as NormalActionModule
from ansible.utils.display import Display
from ansible.vars.clean import remove_internal_keys

from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import PRODUCTS

try:  # ansible-core 2.19 and later: profile-based module JSON and the AnsiballZ wrapper's exception handler.
    from ansible.executor.module_common import InterpreterDiscoveryRequiredError, _get_shebang
    from ansible.module_utils import _internal as module_utils_internal
    from ansible.module_utils._internal._ansiballz import _loader as ansiballz_loader
    from ansible.module_utils.common.json import Direction, get_module_encoder
except ImportError:  # older cores ship every module
    ansiballz_loader = None

display = Display()

# Set to false (or 0, no, off) to ship every module of the collection as a plain Ansible module, and to skip the SDK
# import in Ansible's main process.
IN_PROCESS_ENV = "APSARAMQ_IN_PROCESS"
# The serialization profile of a module without METADATA, which this collection's modules are.
PROFILE = "legacy"
LOCAL_CONNECTIONS = frozenset(("local", "ansible.builtin.local", "ansible.legacy.local"))
_MISSING_EXIT = "New-style module did not handle its own exit."


def in_process_enabled():
    """Whether ``APSARAMQ_IN_PROCESS`` allows in-process execution (the default)."""
    return boolean(os.environ.get(IN_PROCESS_ENV, "true"), strict=False)


def sdk_modules(products):
    """The SDK modules a client of each product imports (module_utils/client.py), to import them once per run."""
    names = []
    for product in products:
        package = PRODUCTS[product].package
        if PRODUCTS[product].openapi:
            names += [
                package + ".client",
                package + ".models",
                "alibabacloud_tea_openapi.models",
                "darabonba.runtime",
                "Tea.exceptions",
            ]
        else:
            names += [package + ".mq_client", package + ".mq_exception", package + ".mq_producer"]
    return list(dict.fromkeys(names))


def preload(module_name, products):
    """Import the module and its product SDKs in this process; return why it cannot run in-process (None if it can)."""
    if ansiballz_loader is None:
        return "this ansible-core has no module serialization profiles (2.19 or later runs modules in-process)"
    if not in_process_enabled():
        return f"{IN_PROCESS_ENV} is false"
    for name in sdk_modules(products):
        try:
            importlib.import_module(name)
        except ImportError as error:
            return f"the controller cannot import {name} ({error})"
    try:
        importlib.import_module(module_name)
    except Exception as error:  # pylint: disable=broad-except  # the shipped module reports it in its own words
        return f"the controller cannot import the module ({type(error).__name__}: {error})"
    return None


def module_action(action_name, *products):
    """The ActionModule class of the action plugin ``action_name`` (its ``__name__``), for the module of the same name.

    ``products`` (keys of module_utils/client.py's PRODUCTS) are the SDKs the module calls, imported now. A module
    that calls any API may also call STS (the common option ``assume_role``), so STS comes with any product."""
    module_name = action_name.replace(".plugins.action.", ".plugins.modules.")
    products = products + ("sts",) if products else ()
    attributes = {
        "__module__": action_name,
        "module_import_name": module_name,
        "sdk_products": products,
        "cannot_run_in_process": preload(module_name, products),
    }
    return type("ActionModule", (ModuleAction,), attributes)


class ModuleAction(NormalActionModule):
    """The normal action, except that its own module runs inside the worker when the task runs on the controller."""

    module_import_name = None  # the Python name of the module (set by module_action)
    sdk_products = ()  # the products whose SDKs the action preloads (set by module_action)
    cannot_run_in_process = (
        "no module named"  # why the module always ships (set by module_action; None: it may run here)
    )

    def _execute_module(self, module_name=None, module_args=None, tmp=None, task_vars=None, *args, **kwargs):  # pylint: disable=keyword-arg-before-vararg
        if module_name is not None or module_args is not None or tmp is not None:  # another module: not ours to run
            return super()._execute_module(module_name, module_args, tmp, task_vars, *args, **kwargs)
        task_vars = task_vars if task_vars is not None else {}
        reason = self.reason_to_ship(task_vars)
        if reason:
            display.vvv(
                f"{self._task.action}: shipped as a module process: {reason}", host=self._play_context.remote_addr
            )
            return super()._execute_module(None, None, None, task_vars, *args, **kwargs)
        display.vvv(
            f"{self._task.action}: run in-process in the worker ({IN_PROCESS_ENV}=false ships it)",
            host=self._play_context.remote_addr,
        )
        return self._execute_in_worker(task_vars)

    def reason_to_ship(self, task_vars):
        """Why this task's module must run as a shipped process, or None when the worker may run it."""
        connection = getattr(self._connection, "_load_name", None)
        if self.cannot_run_in_process:
            return self.cannot_run_in_process
        if not in_process_enabled():
            return f"{IN_PROCESS_ENV} is false"
        if connection not in LOCAL_CONNECTIONS:
            return f"the connection is {connection}, not local"
        if self._play_context.become:
            return "the task uses become"
        if self._task.async_val:
            return "the task is async"
        interpreter = self._task_interpreter(task_vars)
        if interpreter != sys.executable:
            return (
                f"the task's Python is {interpreter or 'still to be discovered'}, not the controller's {sys.executable}"
            )
        return None

    def _task_interpreter(self, task_vars):
        """The Python the shipped module would run with, as Ansible works it out; None when it needs discovery."""
        use_vars = (
            task_vars.get("ansible_delegated_vars", {}).get(self._task.delegate_to, {})
            if self._task.delegate_to
            else task_vars
        )
        try:
            return _get_shebang("/usr/bin/python", use_vars, self._templar)[1]
        except InterpreterDiscoveryRequiredError:
            return None

    def _execute_in_worker(self, task_vars):
        """What ``_execute_module`` returns for this task's module, from its ``main()`` run in this process."""
        module_args = self._task.args
        self._update_module_args(self._task.action, module_args, task_vars)
        environment = {}
        self._compute_environment_string(environment)
        try:
            params = json.dumps(
                {"ANSIBLE_MODULE_ARGS": module_args}, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)
            )
        except TypeError as error:
            raise AnsibleError(f"Failed to serialize arguments for the {self._task.action!r} module.") from error
        module = importlib.import_module(self.module_import_name)
        with module_process(params.encode(), environment, module.__file__) as output:
            output["rc"] = run_main(module)
        self._used_interpreter = "#!" + sys.executable
        data = self._parse_returned_data(output, PROFILE)
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return data


def run_main(module):
    """Run ``module.main()`` as the AnsiballZ wrapper does: an exception is printed as a failed result, exit 1."""
    try:
        try:
            module.main()
            raise RuntimeError(_MISSING_EXIT)
        except Exception as error:  # pylint: disable=broad-except  # not BaseException: modules exit with SystemExit
            ansiballz_loader._handle_exception(error, PROFILE)  # pylint: disable=protected-access
    except SystemExit as done:
        return done.code
    return None


@contextlib.contextmanager
def module_process(params, environment, path):
    """What a module process would have for itself, for the time of one in-process run, all restored afterwards.

    Yields the dict that ``_parse_returned_data`` reads (stdout, stderr), filled in when the block ends. The module
    reads its arguments from ``basic._ANSIBLE_ARGS``; its warnings and deprecations are collected into its result
    (target-side behaviour) instead of being displayed by the controller; the task's ``environment`` applies."""
    output = {}
    saved_streams, saved_argv, saved_cwd = (sys.stdout, sys.stderr), sys.argv, os.getcwd()
    saved_environ = dict(os.environ)
    saved_is_controller = module_utils_internal.is_controller
    stdout, stderr = io.StringIO(), io.StringIO()
    _reset_module_globals(params)
    try:
        os.environ.update({str(key): str(value) for key, value in environment.items()})
        sys.argv = [path]
        sys.stdout, sys.stderr = stdout, stderr
        module_utils_internal.is_controller = False
        yield output
    finally:
        module_utils_internal.is_controller = saved_is_controller
        sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        if os.environ != saved_environ:
            os.environ.clear()
            os.environ.update(saved_environ)
        if os.getcwd() != saved_cwd:
            os.chdir(saved_cwd)
        _reset_module_globals(None)
        output.update(stdout=stdout.getvalue(), stderr=stderr.getvalue())


def _reset_module_globals(params):
    """The module-side globals of ansible.module_utils: the arguments of this run (None: none) and no messages yet."""
    basic._ANSIBLE_ARGS = params  # pylint: disable=protected-access
    basic._ANSIBLE_PROFILE = PROFILE if params is not None else None  # pylint: disable=protected-access
    basic._PARSED_MODULE_ARGS = None  # pylint: disable=protected-access
    module_warnings._global_warnings.clear()  # pylint: disable=protected-access
    module_warnings._global_deprecations.clear()  # pylint: disable=protected-access
