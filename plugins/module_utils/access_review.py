# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The access review of Account A: every RAM role that a principal outside A can assume, what it may do with
RocketMQ, until when, and what is wrong with it. Used by the ram_access_review module.

Three steps, kept apart so that only the first touches the API:

1. ``Reader`` reads, within bounds: ListRoles (paged, at most ``max_roles``), GetRole per role (ListRoles carries no
   trust policy), then for the roles that matter ListTagResources (50 roles per call, paged), ListPoliciesForRole and
   GetPolicy per distinct policy (GetPolicyVersion when GetPolicy carries no document).
2. ``assess_role`` (pure) turns one role, its tags and the documents of its policies into a report entry with its
   findings.
3. ``render_markdown`` (pure) writes the report as a Markdown table.

Nothing secret goes into the report: an ExternalId is reported as present or absent, never its value.
"""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.client import listing_pages
from ansible_collections.apsaramq.cross_account.plugins.module_utils.errors import CollectionError
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import (
    expiry_of,
    format_expiry,
    is_managed,
    parse_expiry,
    partners_of,
    tags_as_dict,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import (
    ASSUME_ROLE,
    PolicyError,
    expiry_of_document,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_attachments import list_attached
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import get_policy, parse_document
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_roles import account_of, trust_document
from ansible_collections.apsaramq.cross_account.plugins.module_utils.rocketmq_rights import (
    describe_grant,
    statement_expiry,
    statement_source_ips,
    translate,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import ValidationError

# The findings, in the order the report lists them.
WILDCARD_RESOURCE = "wildcard_resource"
FULL_ACCESS_POLICY = "full_access_policy"
NO_EXTERNAL_ID = "no_external_id"
EXPIRED = "expired"
UNMANAGED = "unmanaged"
UNKNOWN_PARTNER = "unknown_partner"
FINDING_KINDS = (WILDCARD_RESOURCE, FULL_ACCESS_POLICY, NO_EXTERNAL_ID, EXPIRED, UNMANAGED, UNKNOWN_PARTNER)
# System policies that give everything on RocketMQ (or on everything).
FULL_ACCESS_POLICIES = ("AdministratorAccess", "AliyunMQFullAccess")
TAG_BATCH = 50  # ListTagResources takes at most 50 resource names
TAG_PAGE_SIZE = 100
ROLE_NOT_FOUND = ("EntityNotExist.Role",)
POLICY_VERSION_NOT_FOUND = ("EntityNotExist.Policy.Version",)


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------------------------------------------------------------ reading


class Reader:
    """Bounded, paged reads of one account's roles; every policy document is read once per run."""

    def __init__(self, client, max_roles, page_size):
        self._client = client
        self._max_roles = max_roles
        self._page_size = page_size
        self._documents = {}

    def role_names(self, prefix=None):
        """Names of the account's roles (those starting with ``prefix``, in any case), following ListRoles' Marker.

        Raises CollectionError when the account has more than ``max_roles`` roles: a review that silently skipped
        some would answer the question wrongly."""
        names = []
        for page, _more in listing_pages(self._client, "ListRoles", {"MaxItems": self._page_size}, "Roles", "Role"):
            names.extend(role["RoleName"] for role in page)
            if len(names) > self._max_roles:
                raise CollectionError(
                    f"max_roles: the account has more than {self._max_roles} roles; raise max_roles to "
                    "review them all (the review reads every role)"
                )
        lowered = (prefix or "").lower()
        return sorted((name for name in names if name.lower().startswith(lowered)), key=str.lower)

    def role(self, name):
        """GetRole's Role, or None for a role deleted since it was listed."""
        body = self._client.call("GetRole", {"RoleName": name}, ignore=ROLE_NOT_FOUND)
        return (body or {}).get("Role")

    def tags(self, names):
        """``{role name: {key: value}}`` for ``names``, 50 names per ListTagResources call, following NextToken."""
        found = {name: {} for name in names}
        for start in range(0, len(names), TAG_BATCH):
            token = None
            while True:
                params = {
                    "ResourceType": "role",
                    "ResourceNames": names[start : start + TAG_BATCH],
                    "PageSize": TAG_PAGE_SIZE,
                }
                body = (
                    self._client.call("ListTagResources", {**params, **({"NextToken": token} if token else {})}) or {}
                )
                for row in body.get("TagResources") or []:
                    found.setdefault(row.get("ResourceName"), {})[row.get("TagKey")] = row.get("TagValue") or ""
                token = body.get("NextToken")
                if not token:
                    break
        return found

    def attached(self, name):
        return list_attached(self._client, "Role", name)

    def document(self, policy_type, name):
        """The default version's document of a policy (a dict, or the text RAM returned); None when it is gone."""
        key = (policy_type, name)
        if key not in self._documents:
            self._documents[key] = self._read_document(policy_type, name)
        return self._documents[key]

    def _read_document(self, policy_type, name):
        body = get_policy(self._client, name, policy_type)
        if not body:
            return None
        version = body.get("DefaultPolicyVersion") or {}
        text = version.get("PolicyDocument") or (body.get("Policy") or {}).get("PolicyDocument")
        if text is None and version.get("VersionId"):
            read = self._client.call(
                "GetPolicyVersion",
                {"PolicyName": name, "PolicyType": policy_type, "VersionId": version["VersionId"]},
                ignore=POLICY_VERSION_NOT_FOUND,
            )
            text = ((read or {}).get("PolicyVersion") or {}).get("PolicyDocument")
        return parse_document(text)


# ---------------------------------------------------------------------------------------------------------- the trust


def _conditions(statement):
    """What a trust statement's conditions ask of whoever assumes (the ExternalId's value is never reported)."""
    condition = statement.get("Condition") if isinstance(statement.get("Condition"), dict) else {}
    keys = {str(key).lower() for operator in condition.values() if isinstance(operator, dict) for key in operator}
    mfa = any(
        str(value).lower() == "true"
        for key, value in ((condition.get("Bool") or {}).items())
        if key.lower() == "acs:mfapresent"
    )
    return {
        "external_id": "sts:externalid" in keys,
        "source_ips": statement_source_ips(statement),
        "mfa_required": mfa,
        "expires_at": statement_expiry(statement),
        "other_conditions": sorted(keys - {"sts:externalid", "acs:sourceip", "acs:mfapresent", "acs:currenttime"}),
    }


def _principals(principal):
    """(type, principal) pairs of a trust statement's Principal."""
    pairs = []
    for kind, names in (principal or {}).items():
        for name in _as_list(names):
            name = str(name)
            if kind == "RAM":
                pairs.append(("account" if name.isdigit() or name.endswith(":root") else "ram_arn", name))
            else:
                pairs.append(({"Service": "service", "Federated": "federated"}.get(kind, kind.lower()), name))
    return pairs


def _assume_role_statements(document):
    statements = document.get("Statement") if isinstance(document, dict) else None
    found = []
    for statement in _as_list(statements):
        if (
            not isinstance(statement, dict)
            or statement.get("Effect") != "Allow"
            or not isinstance(statement.get("Principal"), dict)
        ):
            continue
        if any(
            str(action).lower() in ("*", "sts:*", ASSUME_ROLE.lower()) for action in _as_list(statement.get("Action"))
        ):
            found.append(statement)
    return found


def outside_principals(document, own_account, known_partners=None):
    """Every principal outside ``own_account`` the trust policy lets assume the role, with its statement's conditions.

    RAM principals of other accounts and identity providers (their users are not RAM identities of the account) count;
    cloud services act for the account itself and do not. ``known`` says whether the account is in ``known_partners``
    (None when no list was given)."""
    found = []
    for statement in _assume_role_statements(document):
        conditions = _conditions(statement)
        for kind, name in _principals(statement["Principal"]):
            account = name if name.isdigit() else account_of(name)
            if kind == "service" or (kind != "federated" and account == own_account):
                continue
            known = None if known_partners is None or kind == "federated" else account in known_partners
            found.append({"type": kind, "principal": name, "account_id": account, "known": known, **conditions})
    return found


# -------------------------------------------------------------------------------------------------------- assessment


def _finding(kind, detail):
    return {"kind": kind, "detail": detail}


def _latest(ends):
    """The latest of ``ends`` (texts) when every one is set and readable, else None: access lasts until the last
    statement ends, and a date RAM accepted in a form the collection does not write is not guessed at."""
    if not ends or not all(ends):
        return None
    try:
        return max(parse_expiry(end, "expiry") for end in ends)
    except ValidationError:
        return None


def _document_expiry(document):
    try:
        return expiry_of_document(document) if isinstance(document, dict) else None
    except PolicyError:
        return None


def _expiry(tags, trusted, documents):
    """(earliest end of the access, where it is written): the ``expires-at`` tag; the trust's ``DateLessThan
    acs:CurrentTime`` when every statement trusting someone outside carries one; the policies' when every attached
    policy carries one on every statement (then a session can do nothing after it)."""
    candidates = [
        (moment, source)
        for moment, source in (
            (expiry_of(tags), "tag"),
            (_latest([entry["expires_at"] for entry in trusted]), "trust condition"),
            (_latest([_document_expiry(document) for document in documents]), "policy condition"),
        )
        if moment is not None
    ]
    if not candidates:
        return None, []
    earliest = min(moment for moment, _source in candidates)
    return earliest, [source for moment, source in candidates if moment == earliest]


def _policy_entry(attachment, document):
    entry = {"policy_name": attachment["PolicyName"], "policy_type": attachment["PolicyType"]}
    if document is None:
        entry["missing"] = True
        return entry
    translated = translate(document if isinstance(document, dict) else {})
    entry.update(translated)
    entry["rights"] = [describe_grant(grant) for grant in translated["grants"]]
    return entry


def _policy_findings(policies):
    findings = []
    for policy in policies:
        name = policy["policy_name"]
        if policy["policy_type"] == "System" and name in FULL_ACCESS_POLICIES:
            findings.append(_finding(FULL_ACCESS_POLICY, f"{name} is attached"))
        findings.extend(
            _finding(WILDCARD_RESOURCE, f"{name} allows {resource}")
            for resource in policy.get("wildcard_resources") or []
        )
    return findings


def _trust_findings(trusted):
    findings = []
    for entry in trusted:
        if entry["type"] in ("account", "ram_arn") and not entry["external_id"]:
            findings.append(_finding(NO_EXTERNAL_ID, f"{entry['principal']} may assume without an ExternalId"))
        if entry["known"] is False:
            findings.append(_finding(UNKNOWN_PARTNER, f"account {entry['account_id']} is not a known partner"))
    return findings


def assess_role(role, tags, policies, now, known_partners=None):
    """The report entry of ``role`` (GetRole's Role), or None when nobody outside its account may assume it.

    ``tags``: its tags as a dict; ``policies``: (attachment, document) pairs, or None when they were not read;
    ``now``: an aware datetime; ``known_partners``: the partner UIDs the inventory names, or None for no check."""
    own_account = account_of(role.get("Arn"))
    trusted = outside_principals(trust_document(role) or {}, own_account, known_partners)
    tags = tags_as_dict(tags)
    expires_at, expiry_sources = _expiry(
        tags, trusted, [policy_document for _attachment, policy_document in policies or ()]
    )
    entry = {
        "role_name": role.get("RoleName"),
        "arn": role.get("Arn"),
        "description": role.get("Description", ""),
        "create_date": role.get("CreateDate"),
        "max_session_duration": role.get("MaxSessionDuration"),
        "outside_access": bool(trusted),
        "trusted": trusted,
        "managed": is_managed(tags),
        "partners": partners_of(tags),
        "tags": tags,
        "expires_at": None if expires_at is None else format_expiry(expires_at),
        "expiry_source": expiry_sources,
        "expired": expires_at is not None and expires_at <= now,
    }
    if policies is not None:
        entry["policies"] = [_policy_entry(attachment, document) for attachment, document in policies]
        entry["rights"] = [line for policy in entry["policies"] for line in policy.get("rights", [])]
    findings = _policy_findings(entry.get("policies") or []) + _trust_findings(trusted)
    if entry["expired"]:
        findings.append(
            _finding(
                EXPIRED,
                f"access ended at {entry['expires_at']} ({' and '.join(expiry_sources)}) but the role is still there",
            )
        )
    if not entry["managed"]:
        findings.append(
            _finding(UNMANAGED, "not tagged managed-by: apsaramq.cross_account (made by hand or by another tool)")
        )
    entry["findings"] = sorted(findings, key=lambda finding: (FINDING_KINDS.index(finding["kind"]), finding["detail"]))
    return entry


def summarize(entries):
    """Every finding with its role, and the number of findings of each kind (every kind, zero included)."""
    findings = [{"role_name": entry["role_name"], **finding} for entry in entries for finding in entry["findings"]]
    counts = {kind: sum(1 for finding in findings if finding["kind"] == kind) for kind in FINDING_KINDS}
    return findings, counts


def count_calls(api_calls):
    """The API calls of the review: how many, and how many of each action (attempts included)."""
    by_action = {}
    for call in api_calls:
        by_action[call["action"]] = by_action.get(call["action"], 0) + 1
    return {"total": len(api_calls), "by_action": dict(sorted(by_action.items()))}


# ---------------------------------------------------------------------------------------------------------- rendering


def _cell(values):
    """A Markdown table cell: items on separate lines, pipes escaped."""
    text = "<br>".join(str(value) for value in values if value not in (None, "")) or "-"
    return text.replace("|", "\\|").replace("\n", " ")


def _trusted_cell(entry):
    lines = []
    for principal in entry["trusted"]:
        conditions = ["ExternalId" if principal["external_id"] else "no ExternalId"]
        conditions += [f"from {', '.join(principal['source_ips'])}"] * bool(principal["source_ips"])
        conditions += ["MFA"] * principal["mfa_required"]
        conditions += principal["other_conditions"]
        unknown = " (not a known partner)" if principal["known"] is False else ""
        lines.append(f"{principal['principal']}{unknown}: {', '.join(conditions)}")
    return lines


def _expiry_cell(entry):
    if entry["expires_at"] is None:
        return ["never"]
    return [
        f"{entry['expires_at']} ({' and '.join(entry['expiry_source'])})" + (" EXPIRED" if entry["expired"] else "")
    ]


def _policies_cell(entry):
    return [f"{policy['policy_type']}:{policy['policy_name']}" for policy in entry.get("policies") or []]


def render_markdown(report):
    """The report as Markdown: a heading with the scope and the numbers, one table row per role, then the findings."""
    lines = [
        f"# Access review of account {report['account_id']}",
        "",
        f"As of {report['as_of']}: {len(report['roles'])} of {report['roles_scanned']} roles can be assumed from outside the "
        f"account; {len(report['findings'])} findings; {report['api_call_count']['total']} API calls.",
        "",
        "| Role | Trusted (conditions) | Max session | Expires | RocketMQ rights | Policies | Managed | Findings |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for entry in report["roles"]:
        row = [
            [entry["role_name"]],
            _trusted_cell(entry),
            [f"{entry['max_session_duration']} s"],
            _expiry_cell(entry),
            entry.get("rights") or ["(policies not read)" if "policies" not in entry else "none"],
            _policies_cell(entry),
            ["yes" if entry["managed"] else "no"],
            [finding["kind"] for finding in entry["findings"]],
        ]
        lines.append("| " + " | ".join(_cell(cell) for cell in row) + " |")
    lines += ["", "## Findings", ""]
    lines += [
        f"- **{finding['kind']}** {finding['role_name']}: {finding['detail']}" for finding in report["findings"]
    ] or ["None."]
    counts = ", ".join(f"{kind} {count}" for kind, count in report["finding_counts"].items())
    lines += ["", f"Findings by kind: {counts}.", ""]
    return "\n".join(lines)
