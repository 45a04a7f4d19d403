"""RAM (2015-05-01) handlers for people: user groups and memberships, console login profiles and the account's
password policy. The rules live in ``ram_people_model``; the plumbing (parameters, authorization, paging) is
``ram``'s. Shapes follow alibabacloud-ram20150501 1.3.0's models: CreateGroup's ``Group`` has no UpdateDate,
ListGroupsForUser and ListPoliciesForGroup are not paged, ListGroups and ListUsersForGroup are (Marker/MaxItems),
UpdateLoginProfile answers with the RequestId only.

Authorization (RAM API reference, 2015-05-01): ``ram:<Action>`` on ``group/<GroupName>`` (``group/*`` for
ListGroups), on ``user/<UserName>`` for login profiles and ListGroupsForUser, on both for AddUserToGroup and
RemoveUserFromGroup, and on ``*`` for the password policy.
"""

from typing import Optional

from .base import Call, action
from .ram import (
    _authorize,
    _authorized_name,
    _backend,
    _bool,
    _fields,
    _int,
    _optional,
    _paged_reply,
    _reply,
    _required,
    _write_named,
    register_entity_actions,
)
from .ram_people_model import PASSWORD_POLICY_DEFAULTS

GROUP_FIELDS = ("GroupName", "GroupId", "Comments", "CreateDate", "UpdateDate")
NEW_GROUP_FIELDS = GROUP_FIELDS[:-1]  # CreateGroup answers without UpdateDate (CreateGroupResponseBodyGroup)


# ---------------------------------------------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------------------------------------------


@action("ram", "CreateGroup", write=True)
def create_group(call: Call) -> dict:
    name = _authorized_name(call, "GroupName", "group")
    group = _backend(call).create_group(name, _optional(call, "Comments"))
    return _reply(call, Group=_fields(group, *NEW_GROUP_FIELDS))


@action("ram", "UpdateGroup", write=True)
def update_group(call: Call) -> dict:
    name = _authorized_name(call, "GroupName", "group")
    group = _backend(call).update_group(name, _optional(call, "NewGroupName"), _optional(call, "NewComments"))
    return _reply(call, Group=_fields(group, *GROUP_FIELDS))


register_entity_actions("group", GROUP_FIELDS, "get_group", listed=True)  # GetGroup, DeleteGroup, ListGroups


# ---------------------------------------------------------------------------------------------------------------
# Memberships
# ---------------------------------------------------------------------------------------------------------------


def _membership(call: Call) -> tuple:
    """(UserName, GroupName), authorized on the user and on the group."""
    user, group = _required(call, "UserName"), _required(call, "GroupName")
    _authorize(call, f"user/{user}")
    _authorize(call, f"group/{group}")
    return user, group


@action("ram", "AddUserToGroup", write=True)
def add_user_to_group(call: Call) -> dict:
    _backend(call).add_user_to_group(*_membership(call))
    return _reply(call)


@action("ram", "RemoveUserFromGroup", write=True)
def remove_user_from_group(call: Call) -> dict:
    _backend(call).remove_user_from_group(*_membership(call))
    return _reply(call)


@action("ram", "ListGroupsForUser")
def list_groups_for_user(call: Call) -> dict:
    name = _authorized_name(call, "UserName", "user")
    return _reply(call, Groups={"Group": _backend(call).groups_for_user(name)})


@action("ram", "ListUsersForGroup")
def list_users_for_group(call: Call) -> dict:
    name = _authorized_name(call, "GroupName", "group")
    return _paged_reply(call, "Users", "User", _backend(call).users_for_group(name))


# ---------------------------------------------------------------------------------------------------------------
# Login profiles: the password is checked and hashed by the model, and never part of an answer or a message
# ---------------------------------------------------------------------------------------------------------------


def _optional_bool(call: Call, name: str) -> Optional[bool]:
    """None when not given (UpdateLoginProfile then keeps the setting; SetPasswordPolicy takes its default)."""
    return _bool(call, name, default=None)  # type: ignore[arg-type]


@action("ram", "CreateLoginProfile", write=True)
def create_login_profile(call: Call) -> dict:
    name, password = _required(call, "UserName"), _required(call, "Password")
    _authorize(call, f"user/{name}")
    profile = _backend(call).create_login_profile(
        name, password, _bool(call, "PasswordResetRequired"), _bool(call, "MFABindRequired")
    )
    return _reply(call, LoginProfile=profile)


@action("ram", "GetLoginProfile")
def get_login_profile(call: Call) -> dict:
    name = _authorized_name(call, "UserName", "user")
    return _reply(call, LoginProfile=_backend(call).get_login_profile(name))


@action("ram", "UpdateLoginProfile", write=True)
def update_login_profile(call: Call) -> dict:
    name = _authorized_name(call, "UserName", "user")
    _backend(call).update_login_profile(
        name,
        _optional(call, "Password"),
        _optional_bool(call, "PasswordResetRequired"),
        _optional_bool(call, "MFABindRequired"),
    )
    return _reply(call)


@action("ram", "DeleteLoginProfile", write=True)
def delete_login_profile(call: Call) -> dict:
    return _write_named(call, "UserName", "user", "delete_login_profile")


# ---------------------------------------------------------------------------------------------------------------
# The account's password policy
# ---------------------------------------------------------------------------------------------------------------


@action("ram", "GetPasswordPolicy")
def get_password_policy(call: Call) -> dict:
    _authorize(call, "*")
    return _reply(call, PasswordPolicy=_backend(call).get_password_policy())


@action("ram", "SetPasswordPolicy", write=True)
def set_password_policy(call: Call) -> dict:
    settings = {
        name: (_optional_bool(call, name) if isinstance(default, bool) else _int(call, name))
        for name, default in PASSWORD_POLICY_DEFAULTS.items()
    }
    _authorize(call, "*")
    return _reply(call, PasswordPolicy=_backend(call).set_password_policy(settings))
