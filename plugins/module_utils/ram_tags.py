# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tags on RAM roles and custom policies (TagResources, UntagResources, ListTagResources; API 2015-05-01).

Shared by ram_role and ram_policy, in the amazon.aws way: ``tags`` not given leaves the tags alone (and reads
nothing); given, it is the wanted set, and ``purge_tags`` (default true) removes the keys it does not name. A new
resource gets its tags in the create call itself, so a role is never left untagged between two calls. The collection's
own tag convention (``managed-by``, ``partner``, ``expires-at``) lives in module_utils/ownership.py.
"""

from __future__ import annotations

ROLE = "role"
POLICY = "policy"
TAG_PAGE_SIZE = 100


def tag_list(tags):
    """``{key: value}`` -> the ``Tag`` parameter of CreateRole, CreatePolicy and TagResources."""
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def read_tags(client, resource_type, name):
    """The tags of one role or custom policy as a dict (ListTagResources, following NextToken)."""
    tags, token = {}, None
    while True:
        params = {"ResourceType": resource_type, "ResourceNames": [name], "PageSize": TAG_PAGE_SIZE}
        if token:
            params["NextToken"] = token
        body = client.call("ListTagResources", params) or {}
        for row in body.get("TagResources") or []:
            tags[row.get("TagKey")] = row.get("TagValue") or ""
        token = body.get("NextToken")
        if not token:
            return tags


def tag_changes(wanted, current, purge):
    """(tags to set, keys to remove) that bring ``current`` to ``wanted`` (None: leave the tags alone)."""
    if wanted is None:
        return {}, []
    to_set = {key: value for key, value in wanted.items() if current.get(key) != value}
    to_remove = sorted(key for key in current if key not in wanted) if purge else []
    return to_set, to_remove


def tags_after(wanted, current, purge):
    """The tags a resource has once ``tag_changes`` are applied (the check-mode prediction)."""
    to_set, to_remove = tag_changes(wanted, current, purge)
    after = {key: value for key, value in current.items() if key not in to_remove}
    after.update(to_set)
    return after


def update_tags(client, check_mode, resource_type, name, wanted, current, purge):
    """Bring the tags of role or policy ``name`` to ``wanted``: UntagResources first (so the 20-tag limit counts the
    tags that stay), then TagResources; no call when nothing differs. Returns (changed, tags after)."""
    to_set, to_remove = tag_changes(wanted, current, purge)
    if not (to_set or to_remove):
        return False, dict(current)
    if not check_mode:
        target = {"ResourceType": resource_type, "ResourceNames": [name]}
        if to_remove:
            client.call("UntagResources", {**target, "TagKeys": to_remove})
        if to_set:
            client.call("TagResources", {**target, "Tag": tag_list(to_set)})
    return True, tags_after(wanted, current, purge)
