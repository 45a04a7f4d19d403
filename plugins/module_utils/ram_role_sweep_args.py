# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the ram_role_sweep module and the checks made on them before any API call."""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import parse_expiry, utc_now
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import validate_duration

MAX_WAIT_TIMEOUT = 3600

ARGUMENT_SPEC = dict(
    now=dict(type="str"),
    delete_policies=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=60),
)


def validated_request(params):
    """``now`` (aware UTC datetime) and where it came from, and the other options, checked (raises ValidationError)."""
    given = params["now"]
    return {
        "now": parse_expiry(given, "now") if given else utc_now(),
        "now_source": "option" if given else "controller",
        "delete_policies": params["delete_policies"],
        "wait_timeout": validate_duration(params["wait_timeout"], "wait_timeout", 1, MAX_WAIT_TIMEOUT),
    }
