"""What every signature scheme yields, shared by ``signatures.py`` (ACS3, RPC v1, ROA v1 and the dispatch) and
``mq_signature.py`` (the ApsaraMQ HTTP data plane): the scheme names, ``SignedRequest`` and the HMAC-SHA1 both
sign with. Both build on this module and ``signatures.py`` imports ``mq_signature.py``, never the reverse (no
import cycle).
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional

ACS3 = "ACS3-HMAC-SHA256"
RPC_V1 = "HMAC-SHA1"
ROA_V1 = "ROA-HMAC-SHA1"
MQ_HTTP = "MQ"


@dataclass(frozen=True)
class SignedRequest:
    scheme: str
    access_key_id: str
    security_token: Optional[str]
    timestamp: Optional[datetime]
    nonce: Optional[str]
    verify: Callable[[str], bool]  # secret -> does the signature match?
    nonce_required: bool = False  # the scheme makes the nonce mandatory (RPC v1, ACS3)
    string_to_sign: str = ""  # the server's, echoed by SignatureDoesNotMatch ("" for MQ HTTP)


def hmac_sha1_b64(secret: str, text: str) -> str:
    """base64 of HMAC-SHA1 over ``text`` keyed with ``secret`` (RPC v1, ROA v1 and the MQ HTTP signature)."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()).decode()


def same_text(a: str, b: str) -> bool:
    """Constant-time equality of two strings of any characters (``hmac.compare_digest`` refuses non-ASCII ``str``): a
    forged non-ASCII signature or token is a mismatch, never a crash."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
