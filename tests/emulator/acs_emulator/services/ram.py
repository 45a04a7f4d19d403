"""RAM (2015-05-01) API handlers: parameter parsing, authorization and the response shapes the official SDKs parse.

Every handler acts on the caller's own account (RAM is account-scoped) and authorizes ``ram:<Action>`` on the
resource it touches before acting. Shapes follow alibabacloud-ram20150501 1.3.0's models: nested lists use the
wrapper form (``{"Roles": {"Role": [...]}}``), ListTagResources a flat ``TagResources`` list.
"""

import base64
import binascii
import functools
import json
from typing import Dict, List, Optional, Tuple

from ..errors import ApiError, invalid, missing
from .base import Call, action
from .ram_model import ACCESS_KEY_STATUSES, DEFAULT_SESSION_DURATION, RamBackend, check_policy_type

LIST_PAGE = {"default": 100, "maximum": 1000}
TAG_PAGE = {"default": 50, "maximum": 100}
MAX_TAGGED_RESOURCES = 50
MAX_TAGS_PER_REQUEST = 20  # Tag of TagResources and of the creates, TagKeys of UntagResources


# ---------------------------------------------------------------------------------------------------------------
# Plumbing shared by the handlers
# ---------------------------------------------------------------------------------------------------------------


def _uid(call: Call) -> str:
    return str(call.identity.account_uid)


def _backend(call: Call) -> RamBackend:
    return call.state.account(_uid(call)).ram


def _authorize(call: Call, resource: str) -> None:
    """``resource`` is the part after the account: role/<name>, policy/<name>, user/<name>, or *."""
    call.authorize(f"ram:{call.action}", f"acs:ram:*:{_uid(call)}:{resource}")


def _authorized_name(call: Call, param: str, kind: str) -> str:
    """The required name ``param``, authorized on ``<kind>/<name>`` (for handlers that take no other parameter first)."""
    name = _required(call, param)
    _authorize(call, f"{kind}/{name}")
    return name


def _reply(call: Call, **body) -> dict:
    return dict(body, RequestId=call.request_id)


def _required(call: Call, name: str) -> str:
    return str(call.param(name, required=True))


def _optional(call: Call, name: str) -> Optional[str]:
    value = call.param(name)
    return None if value is None else str(value)


def _optionals(call: Call, *names: str) -> List[Optional[str]]:
    return [_optional(call, name) for name in names]


def _bool(call: Call, name: str, default: bool = False) -> bool:
    """The current SDK sends str(True) = "True", the older one "true"."""
    value = _optional(call, name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise invalid(name, f"The parameter {name} must be true or false.")
    return value.lower() == "true"


def _int(call: Call, name: str, default: Optional[int] = None) -> Optional[int]:
    value = _optional(call, name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise invalid(name, f"The parameter {name} must be an integer.") from None


def _json_list(call: Call, name: str) -> List:
    """List parameters arrive as one JSON string (both SDK generations)."""
    value = _optional(call, name)
    if value is None:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        raise invalid(name, f"The parameter {name} must be a JSON list.") from None
    if not isinstance(parsed, list):
        raise invalid(name, f"The parameter {name} must be a JSON list.")
    return parsed


def _tags(call: Call) -> Dict[str, str]:
    """``Tag=[{"Key": k, "Value": v}, ...]`` (at most 20, as the SDK models document) as a dict."""
    items = _json_list(call, "Tag")
    if len(items) > MAX_TAGS_PER_REQUEST:
        raise invalid("Tag", f"You can specify up to {MAX_TAGS_PER_REQUEST} tags.")
    tags = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("Key"), str):
            raise invalid("Tag.Key", "Each tag needs a Key.")
        if not isinstance(item.get("Value", ""), str):
            raise invalid("Tag.Value", "A tag value must be a string.")
        tags[item["Key"]] = item.get("Value", "")
    return tags


def _tag_filter(call: Call) -> Dict[str, Optional[str]]:
    """A filter by tags: a tag without Value matches any value."""
    return {
        item["Key"]: item.get("Value")
        for item in _json_list(call, "Tag")
        if isinstance(item, dict) and isinstance(item.get("Key"), str)
    }


def _policy_type(call: Call) -> str:
    return check_policy_type(_required(call, "PolicyType"))


def _encode_marker(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_marker(marker: str, param: str) -> int:
    try:
        prefix, _sep, offset = base64.urlsafe_b64decode(marker.encode()).decode().partition(":")
        if prefix == "offset" and offset.isdigit():
            return int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid(param, f"The parameter {param} is not a marker this service returned.")


def _page(call: Call, items: list, marker_param: str, size_param: str, limits: dict) -> Tuple[list, Optional[str]]:
    """One page of ``items`` and the marker of the next page (None on the last page)."""
    size = _int(call, size_param, limits["default"])
    if not 1 <= size <= limits["maximum"]:
        raise invalid(size_param, f"The parameter {size_param} must be between 1 and {limits['maximum']}.")
    marker = _optional(call, marker_param)
    start = _decode_marker(marker, marker_param) if marker else 0
    end = start + size
    return items[start:end], (_encode_marker(end) if end < len(items) else None)


def _paged_reply(call: Call, wrapper: str, element: str, items: list) -> dict:
    page, marker = _page(call, items, "Marker", "MaxItems", LIST_PAGE)
    body = {wrapper: {element: page}, "IsTruncated": marker is not None}
    if marker is not None:
        body["Marker"] = marker
    return _reply(call, **body)


def _fields(record: dict, *names: str) -> dict:
    return {name: record[name] for name in names if name in record}


def _read_named(call: Call, param: str, kind: str, operation: str, fields: tuple) -> dict:
    """A read that names one entity and answers with it (GetRole, GetUser, GetGroup): authorized on
    ``<kind>/<name>``, then ``backend.<operation>(name)``, answered as ``{Kind: {fields}}``."""
    name = _authorized_name(call, param, kind)
    record = getattr(_backend(call), operation)(name)
    return _reply(call, **{kind.title(): _fields(record, *fields)})


def _write_named(call: Call, param: str, kind: str, operation: str) -> dict:
    """A write that names one entity and answers with the RequestId only (DeleteUser, DeleteLoginProfile...):
    authorized on ``<kind>/<name>``, then ``backend.<operation>(name)``."""
    name = _authorized_name(call, param, kind)
    getattr(_backend(call), operation)(name)
    return _reply(call)


def _list_all(call: Call, kind: str, fields: tuple) -> dict:
    """A paged list of every ``kind`` (ListUsers, ListGroups), authorized on ``<kind>/*``: ``{Kind}s.{Kind}``."""
    _authorize(call, f"{kind}/*")
    records = getattr(_backend(call), f"list_{kind}s")()
    element = kind.title()
    return _paged_reply(call, f"{element}s", element, [_fields(record, *fields) for record in records])


def register_entity_actions(kind: str, fields: tuple, getter: str, listed: bool = False) -> None:
    """Get<Kind>, Delete<Kind> and (``listed``) List<Kind>s of a named entity (role, user, group), the same calls
    for each: ``<Kind>Name`` authorized on ``<kind>/<name>`` (``<kind>/*`` for the list), then
    ``backend.<getter>(name)``, ``backend.delete_<kind>(name)`` or ``backend.list_<kind>s()``."""
    entity = kind.title()
    param = f"{entity}Name"
    action("ram", f"Get{entity}")(
        functools.partial(_read_named, param=param, kind=kind, operation=getter, fields=fields)
    )
    action("ram", f"Delete{entity}", write=True)(
        functools.partial(_write_named, param=param, kind=kind, operation=f"delete_{kind}")
    )
    if listed:
        action("ram", f"List{entity}s")(functools.partial(_list_all, kind=kind, fields=fields))


# ---------------------------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------------------------

ROLE_FIELDS = (
    "RoleName",
    "RoleId",
    "Arn",
    "AssumeRolePolicyDocument",
    "Description",
    "MaxSessionDuration",
    "CreateDate",
    "UpdateDate",
)
# CreateRole answers without UpdateDate: its documented Role has RoleId, RoleName, Arn, Description,
# AssumeRolePolicyDocument, MaxSessionDuration and CreateDate only (RAM API reference CreateRole,
# alibabacloud.com/help/doc-detail/28710.htm; the official SDK's CreateRoleResponseBodyRole in
# alibabacloud-ram20150501 has no update_date). GetRole and UpdateRole document UpdateDate and keep it.
NEW_ROLE_FIELDS = tuple(field for field in ROLE_FIELDS if field != "UpdateDate")
ROLE_LIST_FIELDS = tuple(field for field in ROLE_FIELDS if field != "AssumeRolePolicyDocument")


@action("ram", "CreateRole", write=True)
def create_role(call: Call) -> dict:
    name = _required(call, "RoleName")
    trust = _required(call, "AssumeRolePolicyDocument")
    _authorize(call, f"role/{name}")
    role = _backend(call).create_role(
        name,
        trust,
        _optional(call, "Description"),
        _int(call, "MaxSessionDuration", DEFAULT_SESSION_DURATION),
        _tags(call),
    )
    return _reply(call, Role=_fields(role, *NEW_ROLE_FIELDS))


@action("ram", "UpdateRole", write=True)
def update_role(call: Call) -> dict:
    name = _authorized_name(call, "RoleName", "role")
    documents = _optionals(call, "NewAssumeRolePolicyDocument", "NewDescription")
    role = _backend(call).update_role(name, *documents, _int(call, "NewMaxSessionDuration"))
    return _reply(call, Role=_fields(role, *ROLE_FIELDS))


register_entity_actions("role", ROLE_FIELDS, "require_role")  # GetRole, DeleteRole; ListRoles filters by tags


@action("ram", "ListRoles")
def list_roles(call: Call) -> dict:
    _authorize(call, "role/*")
    roles = [
        dict(_fields(role, *ROLE_LIST_FIELDS), Tags={"Tag": role["Tags"]})
        for role in _backend(call).list_roles(_tag_filter(call))
    ]
    return _paged_reply(call, "Roles", "Role", roles)


# ---------------------------------------------------------------------------------------------------------------
# Policies and their versions
# ---------------------------------------------------------------------------------------------------------------

POLICY_FIELDS = ("PolicyName", "PolicyType", "Description", "DefaultVersion", "CreateDate", "UpdateDate")
NEW_POLICY_FIELDS = POLICY_FIELDS[:-1]  # CreatePolicy answers without UpdateDate


def _named_policy(call: Call, *params: str) -> tuple:
    """``(PolicyName, *params)``, each required (``PolicyType`` checked as System or Custom), then authorized on
    ``policy/<name>``: parameters are refused before permissions."""
    name = _required(call, "PolicyName")
    values = [_policy_type(call) if param == "PolicyType" else _required(call, param) for param in params]
    _authorize(call, f"policy/{name}")
    return (name, *values)


@action("ram", "CreatePolicy", write=True)
def create_policy(call: Call) -> dict:
    name, document = _named_policy(call, "PolicyDocument")
    policy = _backend(call).create_policy(name, document, _optional(call, "Description"), _tags(call))
    return _reply(call, Policy=_fields(policy, *NEW_POLICY_FIELDS))


@action("ram", "GetPolicy")
def get_policy(call: Call) -> dict:
    policy, default_version = _backend(call).get_policy(*_named_policy(call, "PolicyType"))
    return _reply(call, Policy=policy, DefaultPolicyVersion=default_version)


@action("ram", "UpdatePolicyDescription", write=True)
def update_policy_description(call: Call) -> dict:
    policy = _backend(call).update_policy_description(*_named_policy(call, "NewDescription"))
    return _reply(call, Policy=_fields(policy, *POLICY_FIELDS))


@action("ram", "ListPolicies")
def list_policies(call: Call) -> dict:
    policy_type = _optional(call, "PolicyType")
    if policy_type is not None:
        check_policy_type(policy_type)
    _authorize(call, "policy/*")
    policies = [
        dict(policy, Tags={"Tag": policy["Tags"]})
        for policy in _backend(call).list_policies(policy_type, _tag_filter(call))
    ]
    return _paged_reply(call, "Policies", "Policy", policies)


@action("ram", "DeletePolicy", write=True)
def delete_policy(call: Call) -> dict:
    name = _authorized_name(call, "PolicyName", "policy")
    _backend(call).delete_policy(name, _bool(call, "CascadingDelete"))
    return _reply(call)


@action("ram", "CreatePolicyVersion", write=True)
def create_policy_version(call: Call) -> dict:
    name, document = _named_policy(call, "PolicyDocument")
    version = _backend(call).create_policy_version(
        name, document, _bool(call, "SetAsDefault"), _optional(call, "RotateStrategy") or "None"
    )
    return _reply(call, PolicyVersion=version)


@action("ram", "GetPolicyVersion")
def get_policy_version(call: Call) -> dict:
    version = _backend(call).get_policy_version(*_named_policy(call, "PolicyType", "VersionId"))
    return _reply(call, PolicyVersion=version)


@action("ram", "ListPolicyVersions")
def list_policy_versions(call: Call) -> dict:
    versions = _backend(call).list_policy_versions(*_named_policy(call, "PolicyType"))
    return _reply(call, PolicyVersions={"PolicyVersion": versions})


@action("ram", "DeletePolicyVersion", write=True)
def delete_policy_version(call: Call) -> dict:
    _backend(call).delete_policy_version(*_named_policy(call, "VersionId"))
    return _reply(call)


@action("ram", "SetDefaultPolicyVersion", write=True)
def set_default_policy_version(call: Call) -> dict:
    _backend(call).set_default_policy_version(*_named_policy(call, "VersionId"))
    return _reply(call)


@action("ram", "ListEntitiesForPolicy")
def list_entities_for_policy(call: Call) -> dict:
    entities = _backend(call).entities_for_policy(*_named_policy(call, "PolicyType"))
    return _reply(
        call, Roles={"Role": entities["Roles"]}, Users={"User": entities["Users"]}, Groups={"Group": entities["Groups"]}
    )


# ---------------------------------------------------------------------------------------------------------------
# Attachments: the same three calls for roles, users and groups
# ---------------------------------------------------------------------------------------------------------------

PRINCIPAL_NAME_PARAMS = {"role": "RoleName", "user": "UserName", "group": "GroupName"}


def _change_attachment(call: Call, kind: str, attach: bool) -> dict:
    """Attach*/Detach*: authorized on the principal, as RAM documents it."""
    principal = _required(call, PRINCIPAL_NAME_PARAMS[kind])
    policy = _required(call, "PolicyName")
    policy_type = _policy_type(call)
    _authorize(call, f"{kind}/{principal}")
    backend = _backend(call)
    change = backend.attach_policy if attach else backend.detach_policy
    change(kind, principal, policy, policy_type)
    return _reply(call)


def _policies_for(call: Call, kind: str) -> dict:
    principal = _authorized_name(call, PRINCIPAL_NAME_PARAMS[kind], kind)
    return _reply(call, Policies={"Policy": _backend(call).policies_for(kind, principal)})


def _register_attachment_actions() -> None:
    """AttachPolicyTo<Kind>, DetachPolicyFrom<Kind> and ListPoliciesFor<Kind> of roles, users and groups: the same calls."""
    for kind in PRINCIPAL_NAME_PARAMS:
        entity = kind.title()
        action("ram", f"AttachPolicyTo{entity}", write=True)(
            functools.partial(_change_attachment, kind=kind, attach=True)
        )
        action("ram", f"DetachPolicyFrom{entity}", write=True)(
            functools.partial(_change_attachment, kind=kind, attach=False)
        )
        action("ram", f"ListPoliciesFor{entity}")(functools.partial(_policies_for, kind=kind))


_register_attachment_actions()


# ---------------------------------------------------------------------------------------------------------------
# Users and AccessKeys
# ---------------------------------------------------------------------------------------------------------------

USER_DETAILS = ("DisplayName", "Comments", "Email", "MobilePhone")  # CreateUser's parameters, UpdateUser's New<...>
USER_FIELDS = ("UserName", "UserId", *USER_DETAILS, "CreateDate", "UpdateDate")
NEW_USER_FIELDS = USER_FIELDS[:-1]  # CreateUser answers without UpdateDate


@action("ram", "CreateUser", write=True)
def create_user(call: Call) -> dict:
    name = _authorized_name(call, "UserName", "user")
    user = _backend(call).create_user(name, *_optionals(call, *USER_DETAILS))
    return _reply(call, User=_fields(user, *NEW_USER_FIELDS))


@action("ram", "UpdateUser", write=True)
def update_user(call: Call) -> dict:
    name = _authorized_name(call, "UserName", "user")
    changes = {detail: _optional(call, f"New{detail}") for detail in USER_DETAILS}
    user = _backend(call).update_user(name, _optional(call, "NewUserName"), **changes)
    return _reply(call, User=_fields(user, *USER_FIELDS))


register_entity_actions("user", USER_FIELDS, "require_user", listed=True)  # GetUser, DeleteUser, ListUsers


def _key_owner(call: Call) -> str:
    """UserName defaults to the calling RAM user, as in RAM; an account root must name the user here."""
    name = _optional(call, "UserName") or getattr(call.identity, "user_name", None)
    if not name:
        raise missing("UserName")
    return name


@action("ram", "CreateAccessKey", write=True)
def create_access_key(call: Call) -> dict:
    name = _key_owner(call)
    _authorize(call, f"user/{name}")
    return _reply(call, AccessKey=_backend(call).create_access_key(name))


@action("ram", "ListAccessKeys")
def list_access_keys(call: Call) -> dict:
    name = _key_owner(call)
    _authorize(call, f"user/{name}")
    return _reply(call, AccessKeys={"AccessKey": _backend(call).list_access_keys(name)})


@action("ram", "UpdateAccessKey", write=True)
def update_access_key(call: Call) -> dict:
    """Status Active or Inactive, authorized as ram:UpdateAccessKey on the user (RAM API reference UpdateAccessKey,
    help.aliyun.com/document_detail/28690.html: resource acs:ram:*:{#accountId}:user/{#UserName}). UserName is
    optional there; without it the caller's own key is meant, as for the other AccessKey calls (an assumption)."""
    name = _key_owner(call)
    key_id = _required(call, "UserAccessKeyId")
    status = _required(call, "Status")
    if status not in ACCESS_KEY_STATUSES:
        raise invalid("Status", f"The parameter Status must be one of {', '.join(ACCESS_KEY_STATUSES)}.")
    _authorize(call, f"user/{name}")
    _backend(call).update_access_key(name, key_id, status)
    return _reply(call)


@action("ram", "DeleteAccessKey", write=True)
def delete_access_key(call: Call) -> dict:
    name = _key_owner(call)
    key_id = _required(call, "UserAccessKeyId")
    _authorize(call, f"user/{name}")
    _backend(call).delete_access_key(name, key_id)
    return _reply(call)


@action("ram", "GetAccountAlias")
def get_account_alias(call: Call) -> dict:
    _authorize(call, "*")
    return _reply(call, AccountAlias=_backend(call).alias or "")


# ---------------------------------------------------------------------------------------------------------------
# Tags on roles and custom policies
# ---------------------------------------------------------------------------------------------------------------


def _tag_targets(call: Call, required: bool = True) -> Tuple[str, List[str]]:
    """ResourceType and ResourceNames, each name authorized as <type>/<name>."""
    resource_type = _required(call, "ResourceType")
    names = _json_list(call, "ResourceNames")
    if required and not names:
        _required(call, "ResourceNames")
    if len(names) > MAX_TAGGED_RESOURCES or not all(isinstance(name, str) for name in names):
        raise invalid("ResourceNames", f"ResourceNames must be a list of at most {MAX_TAGGED_RESOURCES} names.")
    for name in names or ["*"]:
        _authorize(call, f"{resource_type}/{name}")
    return resource_type, names


@action("ram", "TagResources", write=True)
def tag_resources(call: Call) -> dict:
    resource_type, names = _tag_targets(call)
    tags = _tags(call)
    if not tags:
        _required(call, "Tag")
    _backend(call).tag_resources(resource_type, names, tags)
    return _reply(call)


@action("ram", "UntagResources", write=True)
def untag_resources(call: Call) -> dict:
    resource_type, names = _tag_targets(call)
    keys, remove_all = _json_list(call, "TagKeys"), _bool(call, "All")
    if len(keys) > MAX_TAGS_PER_REQUEST or not all(isinstance(key, str) for key in keys):
        raise invalid("TagKeys", f"TagKeys must be a list of at most {MAX_TAGS_PER_REQUEST} tag keys.")
    if not keys and not remove_all:
        # The stricter reading: a call that names no key and not All would silently do nothing.
        raise ApiError(
            400,
            "MissingParameter.TagKeys",
            "The input parameter TagKeys that is mandatory for processing this request "
            "is not supplied (or set All to true).",
        )
    _backend(call).untag_resources(resource_type, names, keys, remove_all)
    return _reply(call)


@action("ram", "ListTagResources")
def list_tag_resources(call: Call) -> dict:
    resource_type, names = _tag_targets(call, required=False)
    rows = _backend(call).list_tag_resources(resource_type, names, _tag_filter(call))
    page, token = _page(call, rows, "NextToken", "PageSize", TAG_PAGE)
    body = {"TagResources": page}
    if token is not None:
        body["NextToken"] = token
    return _reply(call, **body)
