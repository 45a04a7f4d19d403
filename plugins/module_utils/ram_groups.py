# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RAM user groups: read them, plan and apply their comments and members, describe them. Used by ram_group.

Groups are handled in the API's own shape (``{"GroupName": ..., "Comments": ..., "GroupId": ...}``) until
``group_facts`` turns one into the snake_case dict the module returns. RAM matches user (and group) names
case-insensitively and keeps the spelling they were created with: members are compared case-insensitively and
reported as RAM spells them. Policy attachments are ram_attachments' business (entity "Group").
"""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import listing_pages
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import update_attachments
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_roles import attachment_facts
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

GROUP_NOT_FOUND = "EntityNotExist.Group"
USER_NOT_FOUND = "EntityNotExist.User"
NOT_A_MEMBER = "EntityNotExist.User.Group"
ALREADY_A_MEMBER = "EntityAlreadyExists.User.Group"
MEMBERS_OPTION = "members"


# ------------------------------------------------------------------------------------------------------------- reading


def get_group(client, name):
    """The group called ``name``, or None when there is none."""
    body = client.call("GetGroup", {"GroupName": name}, ignore=(GROUP_NOT_FOUND,))
    return body.get("Group") if body else None


def wait_until_visible(client, name):
    """Wait out RAM's eventual consistency after CreateGroup, before a call that needs the group to exist."""
    client.call("GetGroup", {"GroupName": name}, retry_on=(GROUP_NOT_FOUND,))


def list_members(client, name):
    """Names of the users in group ``name``, sorted, following ListUsersForGroup's Marker across pages."""
    pages = listing_pages(client, "ListUsersForGroup", {"GroupName": name}, "Users", "User")
    return sorted((user["UserName"] for page, _more in pages for user in page), key=member_key)


def member_key(name):
    """Identity of a user name: RAM matches them case-insensitively."""
    return name.lower()


# ------------------------------------------------------------------------------------------------------------- planning


def unique_members(names):
    """``names`` without repeats (case-insensitive), as (index in the option, name) pairs in the order given."""
    seen, unique = set(), []
    for index, name in enumerate(names):
        if member_key(name) not in seen:
            seen.add(member_key(name))
            unique.append((index, name))
    return unique


def plan_members(wanted, current, purge):
    """(to_add, to_remove, after) for the wanted user names against the current members; names compare
    case-insensitively and keep the spelling of ``current`` (RAM's) where both have them."""
    current_keys = {member_key(name) for name in current}
    wanted_keys = {member_key(name) for name in wanted}
    to_add = [name for _index, name in unique_members(wanted) if member_key(name) not in current_keys]
    to_remove = [name for name in current if purge and member_key(name) not in wanted_keys]
    removed = {member_key(name) for name in to_remove}
    after = [name for name in current if member_key(name) not in removed] + to_add
    return to_add, to_remove, sorted(after, key=member_key)


def missing_users_error(missing):
    """ValidationError naming each ``members[i]`` whose user does not exist (``missing``: (index, name) pairs)."""
    fields = ", ".join(f"{MEMBERS_OPTION}[{index}]" for index, _name in missing)
    names = ", ".join(name for _index, name in missing)
    return ValidationError(
        fields,
        f"no RAM user of this name in the account: {names}; create the user first "
        "(apsaramq.cross_account.ram_user_grant)",
    )


def resolve_members(client, names, current, check_mode=False):
    """The ``members`` option as RAM spells the names, checked to exist before anything is written.

    Names already in the group need no lookup (a converged run reads no user). Returns (names, names of users check
    mode assumed an earlier task creates); outside check mode an unknown user raises ValidationError naming its
    ``members[i]``."""
    if names is None:
        return None, []
    spelled = {member_key(name): name for name in current}
    resolved, missing = [], []
    for index, name in unique_members(names):
        if member_key(name) not in spelled:
            user = (client.call("GetUser", {"UserName": name}, ignore=(USER_NOT_FOUND,)) or {}).get("User")
            if user is None:
                missing.append((index, name))
                continue
            spelled[member_key(name)] = user.get("UserName") or name
        resolved.append(spelled[member_key(name)])
    if missing and not check_mode:
        raise missing_users_error(missing)
    return resolved + [name for _index, name in missing], [name for _index, name in missing]


def comment_changes(comments, current):
    """UpdateGroup parameters when ``comments`` (None: leave as is) differ from the group's."""
    if comments is None or comments == (current.get("Comments") or ""):
        return {}
    return {"NewComments": comments}


# ------------------------------------------------------------------------------------------------------------- applying


def create_group(client, check_mode, name, comments):
    """CreateGroup, or in check mode the record it would return. Returns the group (API shape)."""
    params = {"GroupName": name}
    if comments is not None:
        params["Comments"] = comments
    if check_mode:
        return {"GroupName": name, "Comments": comments or ""}
    return (client.call("CreateGroup", params) or {}).get("Group") or {"GroupName": name, "Comments": comments or ""}


def update_group(client, check_mode, name, comments, current):
    """Bring the group's comments to ``comments`` (None: leave them). Returns (changed, group after the update)."""
    changes = comment_changes(comments, current)
    if not changes:
        return False, current
    updated = dict(current, Comments=changes["NewComments"])
    if not check_mode:
        body = client.call("UpdateGroup", {"GroupName": name, **changes}) or {}
        updated = {**updated, **(body.get("Group") or {})}
    return True, updated


def update_members(client, check_mode, group, wanted, current, purge):
    """Add the wanted users missing from ``group`` and, with ``purge``, remove the others. Returns (changed, after)."""
    to_add, to_remove, after = plan_members(wanted, current, purge)
    if not check_mode:
        for name in to_add:
            client.call("AddUserToGroup", {"GroupName": group, "UserName": name}, ignore=(ALREADY_A_MEMBER,))
        for name in to_remove:
            client.call("RemoveUserFromGroup", {"GroupName": group, "UserName": name}, ignore=(NOT_A_MEMBER,))
    return bool(to_add or to_remove), after


def delete_group(client, check_mode, name, members, attached):
    """Remove every member and detach every policy (DeleteGroup refuses a group that has either), then delete it."""
    update_members(client, check_mode, name, [], members, purge=True)
    update_attachments(client, check_mode, "Group", name, [], attached, purge=True)
    if not check_mode:
        client.call("DeleteGroup", {"GroupName": name}, ignore=(GROUP_NOT_FOUND,))


# ---------------------------------------------------------------------------------------------------------- describing


def group_facts(group, members, attached):
    """The module return value for ``group`` (API shape), its members and its attached policies."""
    return {
        "group_name": group.get("GroupName"),
        "group_id": group.get("GroupId"),
        "comments": group.get("Comments") or "",
        "create_date": group.get("CreateDate"),
        "update_date": group.get("UpdateDate"),
        "members": list(members),
        "policies": attachment_facts(attached),
    }


def diff_view(group, members, attached):
    """What ``--diff`` shows of a group; {} for no group."""
    if group is None:
        return {}
    return {
        "group_name": group.get("GroupName"),
        "comments": group.get("Comments") or "",
        "members": list(members),
        "policies": sorted(f"{policy['PolicyType']}:{policy['PolicyName']}" for policy in attached),
    }
