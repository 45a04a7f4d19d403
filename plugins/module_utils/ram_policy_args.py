# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the ram_policy module and the checks made on them before any API call (shared with preflight)."""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import validate_tags
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import load_document, validate_document
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    validate_description,
    validate_policy_name,
)

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True, aliases=["policy_name"]),
    document=dict(type="raw", aliases=["policy_document"]),
    description=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    force=dict(type="bool", default=False),
    version_limit_action=dict(type="str", choices=["rotate", "fail"], default="rotate"),
    include_versions=dict(type="bool", default=False),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
)


def validated_request(params):
    """Name, document, description and tags (None: leave them alone) checked and loaded before any API call (raises
    ValidationError/PolicyError)."""
    document = None
    if params["document"] is not None:
        document = load_document(params["document"], field="document")
        validate_document(document, kind="permission", field="document")
    description = params["description"]
    if description is not None:
        description = validate_description(description, "description", 1024)
    return validate_policy_name(params["name"], "name"), document, description, validate_tags(params["tags"], "tags")
