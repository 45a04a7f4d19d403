# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: writes every task result of a run as one JSON document to $JSON_REPORT_FILE.

It runs beside the normal stdout callback, so a test can read structured results and the human output of the
same run (ansible-core ships no JSON stdout callback; ansible.posix's is not installed here).
Each host result also carries ``_timing``: ``start`` and ``end`` (epoch seconds) and ``duration`` (seconds) of the
task on that host, from the worker starting it to its result arriving (tests/benchmark.py reads it).
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: json_report
type: aggregate
short_description: write task results as JSON to a file (tests only)
description: Writes plays, tasks with each host's result and timing, and stats to the file named by JSON_REPORT_FILE.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "json_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plays = []
        self._started = {}  # (host name, task uuid) -> epoch seconds

    def v2_playbook_on_play_start(self, play):
        self.plays.append({"play": {"name": play.get_name()}, "tasks": []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.plays[-1]["tasks"].append({"task": {"name": task.get_name()}, "hosts": {}})

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()  # pylint: disable=protected-access

    def _record(self, result, **status):
        host = result._host.get_name()  # pylint: disable=protected-access
        end = time.time()
        start = self._started.pop((host, result._task._uuid), end)  # pylint: disable=protected-access
        host_result = dict(result._result, _timing=dict(start=start, end=end, duration=end - start), **status)  # pylint: disable=protected-access
        self.plays[-1]["tasks"][-1]["hosts"][host] = host_result

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, unreachable=True)

    def v2_playbook_on_stats(self, stats):
        summary = {host: stats.summarize(host) for host in sorted(stats.processed.keys())}
        with open(os.environ["JSON_REPORT_FILE"], "w", encoding="utf-8") as report:
            json.dump({"plays": self.plays, "stats": summary}, report, default=str)
