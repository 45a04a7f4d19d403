# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only action: one request to the emulator's admin interface (``/_emulator/<path>``), made by the controller.

``uri`` would do the same as a shipped module, for about a second per task; tests that change the faults between
every step of a playbook (test_lost_answers.py) use this instead. Arguments: ``url`` (the emulator), ``path``
(``faults``, ``state``, ...) and, for a POST, ``body`` (a JSON object). Returns the answer as ``json``.
"""

from __future__ import annotations

import json
import urllib.request

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        body = args.get("body")
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"{args['url'].rstrip('/')}/_emulator/{args['path']}",
            data=data,
            method="GET" if data is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # nosec B310: the local emulator over http
                result["json"] = json.loads(answer.read() or b"{}")
        except (OSError, ValueError) as error:
            raise AnsibleActionFail(f"emulator admin {args['path']}: {error}") from None
        result["changed"] = data is not None
        return result
