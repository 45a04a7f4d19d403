"""RAM's policy grammar: what CreatePolicy, CreatePolicyVersion, CreateRole and UpdateRole accept as a permission or
trust policy document (lengths, JSON, elements, Action syntax, principals, condition blocks). A refusal is 400
``MalformedPolicyDocument`` (or ``InvalidParameter.<param>.Length``), as RAM answers.

``policy_engine`` evaluates documents; this module only decides whether RAM would store one. It imports only
``errors`` (see the layer order in tests/emulator/README.md).
"""

import json
import re
from typing import List

from .errors import ApiError, invalid

PERMISSION_DOCUMENT_MAX_CHARS = 6144
# The CreateRole/UpdateRole references give no length for AssumeRolePolicyDocument (RAM API 2015-05-01; the RAM
# Limits page neither): 2,048 is an assumption, shared with the collection (plugins/module_utils/policy.py) and
# named in the README's "Assumptions where the documentation is silent".
TRUST_DOCUMENT_MAX_CHARS = 2048
_ACTION = re.compile(r"^(\*|[A-Za-z0-9\-]+:[A-Za-z0-9*?\-]+)$")
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Condition"}
_PRINCIPAL_KINDS = {"RAM", "Service", "Federated"}
_TRUST_ACTIONS = {"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithOIDC"}


def malformed(detail: str) -> ApiError:
    return ApiError(400, "MalformedPolicyDocument", f"The policy document is malformed: {detail}")


def parse_policy_document(text: str, kind: str = "permission", param: str = "PolicyDocument") -> dict:
    """Check a permission or trust policy document like RAM does and return it parsed.

    ``kind`` is "permission" (Resource required, no Principal) or "trust" (Principal required, no Resource).
    """
    limit = TRUST_DOCUMENT_MAX_CHARS if kind == "trust" else PERMISSION_DOCUMENT_MAX_CHARS
    if not 1 <= len(text) <= limit:
        raise invalid(f"{param}.Length", f"The parameter {param} must be 1 to {limit} characters long.")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise malformed(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    _check_document_grammar(document, kind)
    return document


def _check_document_grammar(document, kind: str) -> None:
    if not isinstance(document, dict):
        raise malformed("the document must be a JSON object")
    unknown = set(document) - {"Version", "Statement"}
    if unknown:
        raise malformed(f"unknown element {sorted(unknown)[0]}")
    if document.get("Version") != "1":
        raise malformed('Version must be "1"')
    statements = document.get("Statement")
    if not isinstance(statements, list) or not statements:
        raise malformed("Statement must be a non-empty list")
    for index, statement in enumerate(statements):
        _check_statement(statement, f"Statement[{index}]", kind)


def _check_statement(statement, where: str, kind: str) -> None:
    if not isinstance(statement, dict):
        raise malformed(f"{where} must be an object")
    unknown = set(statement) - _STATEMENT_KEYS
    if unknown:
        raise malformed(f"{where} has unknown element {sorted(unknown)[0]}")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise malformed(f"{where}.Effect must be Allow or Deny")
    _check_exactly_one(statement, where, "Action", "NotAction")
    for action in _strings(statement.get("Action", statement.get("NotAction")), f"{where}.Action"):
        if not _ACTION.match(action):
            raise malformed(f"{where}.Action {action!r} is not <service>:<action>")
    if kind == "trust":
        _check_principal(statement.get("Principal"), f"{where}.Principal")
        if "NotAction" in statement or not set(_strings(statement["Action"], where)) <= _TRUST_ACTIONS:
            raise malformed(f"{where}: a trust policy allows only {', '.join(sorted(_TRUST_ACTIONS))}")
        if "Resource" in statement or "NotResource" in statement:
            raise malformed(f"{where}: a trust policy has no Resource")
    else:
        if "Principal" in statement:
            raise malformed(f"{where}: a permission policy has no Principal")
        _check_exactly_one(statement, where, "Resource", "NotResource")
        _strings(statement.get("Resource", statement.get("NotResource")), f"{where}.Resource")
    if "Condition" in statement:
        _check_condition(statement["Condition"], f"{where}.Condition")


def _check_exactly_one(statement: dict, where: str, first: str, second: str) -> None:
    if (first in statement) == (second in statement):
        raise malformed(f"{where} needs exactly one of {first} and {second}")


def _strings(value, where: str) -> List[str]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(item, str) and item for item in values):
        raise malformed(f"{where} must be a non-empty string or a non-empty list of strings")
    return values


def _check_principal(principal, where: str) -> None:
    if not isinstance(principal, dict) or not principal:
        raise malformed(f"{where} must be an object naming RAM, Service or Federated principals")
    for kind, value in principal.items():
        if kind not in _PRINCIPAL_KINDS:
            raise malformed(f"{where} has unknown principal type {kind}")
        for name in _strings(value, f"{where}.{kind}"):
            if kind == "RAM" and any(wildcard in name for wildcard in "*?"):
                # The trust-policy documentation names accounts (<uid>, acs:ram::<uid>:root), users and roles one
                # by one and documents no wildcard: "*" or acs:ram::<uid>:user/* would let identities nobody named
                # assume the role. Refused (an assumption, see the README).
                raise malformed(
                    f"{where}.{kind} {name!r}: a RAM principal names one account, user or role; "
                    "wildcards (* and ?) are not accepted"
                )


def _check_condition(condition, where: str) -> None:
    if not isinstance(condition, dict) or not condition:
        raise malformed(f"{where} must be an object of operators")
    for operator, keys in condition.items():
        if not isinstance(keys, dict) or not keys:
            raise malformed(f"{where}.{operator} must be an object of condition keys")
        for key, value in keys.items():
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(item, (str, bool, int, float)) for item in values):
                raise malformed(f"{where}.{operator}.{key} must be a value or a list of values")
