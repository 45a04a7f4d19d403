# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apsaramq.cross_account contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the ram_role module and the checks made on them before any API call (shared with preflight)."""

from __future__ import annotations

from ansible_collections.apsaramq.cross_account.plugins.module_utils.ownership import (
    EXPIRES_AT_KEY,
    normalize_expiry,
    validate_tags,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.policy import (
    PolicyError,
    build_trust_document,
    load_document,
    validate_document,
    with_expiry,
)
from ansible_collections.apsaramq.cross_account.plugins.module_utils.ram_policies import split_policy_reference
from ansible_collections.apsaramq.cross_account.plugins.module_utils.validators import (
    ValidationError,
    validate_description,
    validate_duration,
    validate_policy_name,
    validate_role_name,
)

PRINCIPAL_OPTIONS = ("trusted_accounts", "trusted_ram_arns", "trusted_services")
CONDITION_OPTIONS = ("external_id", "source_ips", "mfa_required")
# build_trust_document() names its arguments in errors; users know the module options.
OPTION_OF_ARGUMENT = {
    "accounts": "trusted_accounts",
    "ram_arns": "trusted_ram_arns",
    "services": "trusted_services",
    "external_id": "external_id",
    "source_ips": "source_ips",
}

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True, aliases=["role_name"]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    description=dict(type="str"),
    max_session_duration=dict(type="int"),
    assume_role_policy_document=dict(type="raw", aliases=["trust_policy"]),
    trusted_accounts=dict(type="list", elements="str"),
    trusted_ram_arns=dict(type="list", elements="str"),
    trusted_services=dict(type="list", elements="str"),
    external_id=dict(type="str"),
    source_ips=dict(type="list", elements="str"),
    mfa_required=dict(type="bool", default=False),
    trust_mode=dict(type="str", choices=["exact", "add", "remove"], default="exact"),
    policies=dict(type="list", elements="str"),
    purge_policies=dict(type="bool", default=False),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    expires_at=dict(type="str"),
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=120),
)
MAX_WAIT_TIMEOUT = 3600
MUTUALLY_EXCLUSIVE = [
    ("assume_role_policy_document", option) for option in PRINCIPAL_OPTIONS + ("external_id", "source_ips")
]
REQUIRED_IF = [("trust_mode", mode, PRINCIPAL_OPTIONS, True) for mode in ("add", "remove")] + [
    ("purge_policies", True, ("policies",))
]
RULES = dict(mutually_exclusive=MUTUALLY_EXCLUSIVE, required_if=REQUIRED_IF)


# ---------------------------------------------------------------------------------------------------------- validation


def validated_trust(params):
    """The trust policy the options describe, checked before any API call: (raw document, friendly document).

    At most one is set; the friendly one holds every given principal (and the conditions) so add and remove
    modes reuse its validation."""
    if params["assume_role_policy_document"] is not None:
        if params["mfa_required"]:
            raise ValidationError(
                "mfa_required",
                "cannot be combined with assume_role_policy_document; write the condition into the document",
            )
        document = load_document(params["assume_role_policy_document"], field="assume_role_policy_document")
        validate_document(document, kind="trust", field="assume_role_policy_document")
        return document, None
    given = [option for option in PRINCIPAL_OPTIONS + CONDITION_OPTIONS if params[option]]
    if not given:
        return None, None
    if params["trust_mode"] == "remove" and set(given) & set(CONDITION_OPTIONS):
        raise ValidationError(
            ", ".join(sorted(set(given) & set(CONDITION_OPTIONS))),
            "trust_mode=remove removes principals and keeps the trust's conditions; drop this option",
        )
    return None, friendly_trust(params)


def principal_arguments(params):
    """The trusted principals given, as the keyword arguments of the policy toolkit's trust functions."""
    return {
        "accounts": params["trusted_accounts"] or (),
        "ram_arns": params["trusted_ram_arns"] or (),
        "services": params["trusted_services"] or (),
    }


def friendly_trust(params):
    try:
        conditions = {
            "external_id": params["external_id"],
            "source_ips": params["source_ips"] or (),
            "mfa_required": params["mfa_required"],
        }
        document = build_trust_document(**principal_arguments(params), **conditions)
    except PolicyError as fault:
        argument, _sep, index = fault.path.partition("[")
        option = OPTION_OF_ARGUMENT.get(argument)
        if option is None:
            raise PolicyError(fault.message, field=", ".join(PRINCIPAL_OPTIONS)) from None
        raise ValidationError(option + (f"[{index}" if index else ""), fault.message) from None
    validate_document(document, kind="trust", field=", ".join(PRINCIPAL_OPTIONS))
    return document


def validated_policy_references(references):
    for index, reference in enumerate(references or ()):
        _policy_type, name = split_policy_reference(reference)
        validate_policy_name(name, f"policies[{index}]")
    return references


def expiring(document, expires_at, field):
    """``document`` with the expiry condition in every Allow statement, checked again (the condition adds length)."""
    if document is None or expires_at is None:
        return document
    document = with_expiry(document, expires_at, field)
    validate_document(document, kind="trust", field=field)
    return document


def wanted_tags(params, expires_at):
    """The tags the role should have (None: leave them alone): ``tags``, plus ``expires-at`` when ``expires_at`` is given."""
    tags = validate_tags(params["tags"], "tags")
    if expires_at is None:
        return tags
    if tags is not None and tags.get(EXPIRES_AT_KEY, expires_at) != expires_at:
        raise ValidationError(
            "tags",
            f"the {EXPIRES_AT_KEY} tag ({tags[EXPIRES_AT_KEY]}) contradicts expires_at ({expires_at}); drop the tag",
        )
    return validate_tags({**(tags or {}), EXPIRES_AT_KEY: expires_at}, "tags")


def validated_request(params):
    """Everything the task asks for, checked and loaded (raises ValidationError or PolicyError)."""
    raw, friendly = validated_trust(params)
    expires_at = normalize_expiry(params["expires_at"], "expires_at")
    duration = params["max_session_duration"]
    description = params["description"]
    return {
        "name": validate_role_name(params["name"], "name"),
        "description": None if description is None else validate_description(description, "description", 1024),
        "max_session_duration": None
        if duration is None
        else validate_duration(duration, "max_session_duration", 3600, 43200),
        "raw_trust": expiring(raw, expires_at, "assume_role_policy_document"),
        "friendly_trust": expiring(friendly, expires_at, ", ".join(PRINCIPAL_OPTIONS)),
        "expires_at": expires_at,
        "tags": wanted_tags(params, expires_at),
        # purge_tags applies to the tags given; expires_at alone only sets its own tag.
        "purge_tags": params["purge_tags"] and params["tags"] is not None,
        "wait": params["wait"],
        "wait_timeout": validate_duration(params["wait_timeout"], "wait_timeout", 1, MAX_WAIT_TIMEOUT),
        "trust_mode": params["trust_mode"],
        "principals": principal_arguments(params),
        "policies": validated_policy_references(params["policies"]),
        "purge_policies": params["purge_policies"],
    }
