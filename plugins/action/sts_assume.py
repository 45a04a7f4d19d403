# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the sts_assume module (in Ansible's worker on the controller, or shipped: plugins/plugin_utils/in_process.py)
and hides its result from every callback, at every verbosity.

A module cannot hide its own result: AnsibleModule masks ``no_log_values`` in the returned data (the registered
variable would then hold ``********`` instead of usable credentials), and ``_ansible_*`` keys returned by a module are
dropped. An action plugin may set ``_ansible_no_log``: the callbacks then show only that the output was hidden, while
the registered variable keeps the credentials for later tasks.
"""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.plugin_utils.in_process import module_action


class ActionModule(module_action(__name__, "sts")):
    # async_status would fetch and display the raw result, credentials included.
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if result.get("sts_creds"):
            result["_ansible_no_log"] = True
        return result
