"""The emulator's error types, at the bottom of the package: this module imports nothing of ``acs_emulator``, so
every layer may raise them (see the layer order in tests/emulator/README.md).

- ``ApiError``: an error answer of the emulated cloud; the protocol layer renders it in the product's format.
- ``SeedError``: the seed document is not usable (the command line reports it and exits 2).
- ``FaultSettingsError``: a fault-injection setting is wrong (a bad flag, or 400 from ``POST /_emulator/faults``).
"""

from typing import Any


class ApiError(Exception):
    """An error answer: HTTP status, error code and message, as the real service sends them."""

    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def invalid(code_suffix: str, message: str) -> ApiError:
    """400 ``InvalidParameter.<code_suffix>``, RAM's and STS's refusal of a parameter value."""
    return ApiError(400, f"InvalidParameter.{code_suffix}", message)


def missing(param: str) -> ApiError:
    """400 ``MissingParameter.<param>``, the RPC products' refusal of a request without a mandatory parameter."""
    return ApiError(
        400,
        f"MissingParameter.{param}",
        f"The input parameter {param} that is mandatory for processing this request is not supplied.",
    )


class SeedError(ValueError):
    """The seed document is not usable; the message names the offending entry."""


class FaultSettingsError(ValueError):
    """A fault setting has a wrong type or value (answered 400 by the admin endpoint)."""
