# -*- coding: utf-8 -*-
# Copyright (c) 2026 apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the module tests share (amazon.aws keeps the same in tests/unit/plugins/modules/utils.py): the exceptions
exit_json and fail_json raise, the module arguments, and the stand-in SDK behind the real ApiClient (see conftest.py).
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import re
from pathlib import Path

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.apsaramq.cross_account.plugins.module_utils import base
from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import (
    PRODUCTS,
    ApiClient,
    is_write_action,
)

try:  # ansible-core 2.19 and later
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=unused-import  # conftest's
except ImportError:  # ansible-core 2.17 and 2.18: AnsibleModule reads these bytes and nothing else

    @contextlib.contextmanager
    def patch_module_args(args=None):
        saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()  # pylint: disable=protected-access
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access


ACCOUNT_ID = "1234567890123456"
PARTNER_ACCOUNT_ID = "6543210987654321"
# The caller's own credentials: never part of any result.
CALLER_KEY_ID = "unit-test-caller-key-id"
CALLER_SECRET = "caller-secret-9f3Kq"
CALLER_TOKEN = "caller-token-Zt71w"


def option_environment():
    """The environment variables the common options fall back to (credentials, region, endpoints, ...): a test
    must not pick them up from the shell that runs it."""
    return tuple(
        name
        for option in base.common_argument_spec().values()
        if option.get("fallback")
        for name in option["fallback"][1]
    )


class AnsibleExitJson(Exception):
    """exit_json was called: ``result`` is what the module returned."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


class AnsibleFailJson(Exception):
    """fail_json was called: ``result`` holds ``msg`` and the details, ``failed`` set."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


def _with_warnings(result):
    warnings = list(module_warnings.get_warning_messages())
    return dict(result, warnings=warnings) if warnings else result


def exit_json(self, **kwargs):  # pylint: disable=unused-argument
    kwargs.setdefault("changed", False)
    raise AnsibleExitJson(_with_warnings(kwargs))


def fail_json(self, msg, **kwargs):  # pylint: disable=unused-argument
    raise AnsibleFailJson(_with_warnings(dict(kwargs, msg=msg, failed=True)))


class SdkError(Exception):
    """What a Tea SDK raises for an error answer, read by errors.api_error_from_exception (attributes only)."""

    def __init__(self, code, message, status_code=400, request_id="req-unit"):
        super().__init__(f"code: {status_code}, {message} request id: {request_id}")
        self.code = code
        self.message = message
        self.status_code = status_code
        self.request_id = request_id
        self.data = {"Code": code, "Message": message, "RequestId": request_id, "statusCode": status_code}


def api_error(code, message=None, status_code=None):
    """A canned error answer: ``fake_api.answer("GetRole", api_error("EntityNotExist.Role"))``."""
    if status_code is None:
        status_code = 404 if code.startswith("EntityNotExist") else 403 if code == "NoPermission" else 400
    return SdkError(code, message or f"{code} (canned by the unit test)", status_code)


def _sdk_actions(product):
    """The API actions of the product's real SDK, read from its source so that the 0.5 s SDK import is not paid."""
    spec = importlib.util.find_spec(PRODUCTS[product].package)
    if spec is None or not spec.submodule_search_locations:
        return set()
    source = (Path(next(iter(spec.submodule_search_locations))) / "client.py").read_text(encoding="utf-8")
    return {
        "".join(word.capitalize() for word in name.split("_"))
        for name in re.findall(r"def (\w+)_with_options\(", source)
    }


_ACTIONS = {}


def sdk_actions(product):
    if product not in _ACTIONS:
        _ACTIONS[product] = _sdk_actions(product)
    return _ACTIONS[product]


class _Request:
    def __init__(self):
        self.params = {}

    def from_map(self, params):
        self.params = copy.deepcopy(params)
        return self

    def to_map(self):
        return dict(self.params)


class _Models:
    """Every ``<Action>Request`` model: keeps the parameters as given."""

    def __getattr__(self, name):
        if not name.endswith("Request"):
            raise AttributeError(name)
        return _Request


class _Body:
    def __init__(self, data):
        self._data = data

    def to_map(self):
        return self._data


class _Response:
    def __init__(self, data):
        self.status_code = 200
        self.body = _Body(data)


class Call:
    """One request that reached the stand-in SDK."""

    def __init__(self, product, action, params, credentials):
        self.product = product
        self.action = action
        self.params = params
        self.write = is_write_action(action)
        self.credentials = credentials

    def __repr__(self):
        return f"{self.product}:{self.action}({self.params})"


class _Sdk:
    """One product's SDK client: ``<action>_with_options(request, runtime)`` for each action of the real SDK."""

    def __init__(self, api, product, credentials):
        self._api = api
        self._product = product
        self._credentials = credentials
        self._actions = {action.lower(): action for action in sdk_actions(product) | api.answered(product)}

    def __dir__(self):
        return [f"{action}_with_options" for action in self._actions.values()]

    def __getattr__(self, name):
        if not name.endswith("_with_options") or name[: -len("_with_options")].lower() not in self._actions:
            raise AttributeError(name)
        action = self._actions[name[: -len("_with_options")].lower()]

        def method(request, runtime):  # pylint: disable=unused-argument
            return _Response(self._api.respond(self._product, action, request.to_map(), self._credentials))

        return method


class FakeApi:
    """Canned RAM/STS answers and the record of every request that reached the SDK.

    ``answer(action, reply, product="ram")``: ``reply`` is a body (dict), a function of the request parameters
    returning one, an SdkError (``api_error(code)``) to raise, or a list of those consumed one per call (the last one
    stays)."""

    def __init__(self):
        self._answers = {}
        self.calls = []
        self.clients = []  # (product, credentials) of each ApiClient built

    def answer(self, action, reply, product="ram"):
        self._answers[(product, action)] = reply
        return self

    def answered(self, product):
        return {action for answered_product, action in self._answers if answered_product == product}

    def respond(self, product, action, params, credentials):
        self.calls.append(Call(product, action, params, credentials))
        reply = self._answers.get((product, action))
        if isinstance(reply, list):
            reply = reply.pop(0) if len(reply) > 1 else reply[0]
        if reply is None:
            if is_write_action(action):
                return {}
            raise AssertionError(f"the test gave no answer to the read {product}:{action}({params})")
        if callable(reply) and not isinstance(reply, SdkError):
            reply = reply(params)
        if isinstance(reply, SdkError):
            raise reply
        return copy.deepcopy(reply)

    @property
    def writes(self):
        return [call for call in self.calls if call.write]

    def actions(self, product=None):
        return [call.action for call in self.calls if product in (None, call.product)]

    def params_of(self, action):
        """The parameters of each call of ``action``."""
        return [call.params for call in self.calls if call.action == action]

    def build_api_client(self, product, credentials, endpoint, retry_policy, options, check_mode, recorder):
        """base.build_api_client's stand-in: the real ApiClient over the stand-in SDK."""
        del endpoint, options
        self.clients.append((product, credentials))
        sdk = _Sdk(self, product, credentials)
        return ApiClient(product, sdk, _Models(), None, retry_policy, SdkError, check_mode, recorder)


def module_args(**options):
    """The arguments of a task: the caller's explicit keys, check mode and diff mode given as ``_ansible_*``."""
    args = {"access_key_id": CALLER_KEY_ID, "access_key_secret": CALLER_SECRET}
    args.update(options)
    return args


def make_module(patch_ansible_module, argument_spec, check_mode=False, rules=None, **options):
    """A real AlibabaCloudModule for calling a module's planning functions directly."""
    patch_ansible_module(dict(module_args(**options), _ansible_check_mode=check_mode, _ansible_diff=True))
    return base.AlibabaCloudModule(argument_spec=argument_spec, supports_check_mode=True, **(rules or {}))


def secrets_in(result, *secrets):
    """The given secrets found anywhere in the result (its JSON text), to assert there are none."""
    text = json.dumps(result, default=str)
    return [secret for secret in secrets if secret and secret in text]
