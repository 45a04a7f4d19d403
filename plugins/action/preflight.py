# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the preflight module in Ansible's worker on the controller, or ships it (plugins/plugin_utils/in_process.py)."""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.plugin_utils.in_process import module_action

ActionModule = module_action(__name__)
