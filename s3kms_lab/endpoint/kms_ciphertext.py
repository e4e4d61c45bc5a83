"""Which KMS key a Decrypt or ReEncrypt call uses: the one recorded in the ciphertext, never the one named.

KMS decrypts with the key whose id the ciphertext carries, and authorizes ``kms:Decrypt`` /
``kms:ReEncryptFrom`` on that key. A ``KeyId`` (Decrypt) or ``SourceKeyId`` (ReEncrypt) only asserts which key
that is: when it names another key, KMS refuses the call with 400 ``IncorrectKeyException``
(https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html,
https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html: "The KeyId in a Decrypt request and
the SourceKeyId in a ReEncrypt request must identify the same KMS key that was used to encrypt the
ciphertext."). Authorizing the named key instead would let a caller denied Decrypt on a key re-encrypt its
ciphertexts under a key of its own.

Ciphertexts are moto 5.2.5's: the key id in the first 36 bytes of the blob.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any

from .errors import AwsError
from .moto_seam import MotoState

__all__ = ["ciphertext_key", "NAMED_KEY_PARAM"]

# The parameter that names the ciphertext's key, per operation.
NAMED_KEY_PARAM = {"Decrypt": "KeyId", "ReEncrypt": "SourceKeyId"}
_KEY_ID_BYTES = 36
_INCORRECT_KEY = ("The key ID in the request does not identify a KMS key that can perform this operation: the "
                  "KeyId in a Decrypt request and the SourceKeyId in a ReEncrypt request must identify the KMS key "
                  "that was used to encrypt the ciphertext.")


def ciphertext_key(state: MotoState, operation: str, params: dict[str, Any], caller_account: str) -> Any:
    """moto's Key that encrypted ``params["CiphertextBlob"]`` (base64 text, as the JSON protocol sends it).

    Raises :class:`AwsError` (KMS, 400): ``InvalidCiphertextException`` when the blob is not base64 or names
    no known key; ``NotFoundException`` when the named key (``KeyId``/``SourceKeyId``) does not exist;
    ``IncorrectKeyException`` when it exists but is not the ciphertext's key."""
    try:
        blob = base64.b64decode(params.get("CiphertextBlob") or "", validate=True)
        key_id = blob[:_KEY_ID_BYTES].decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key_id = ""
    key = state.key_by_id_any_account(key_id) if len(key_id) == _KEY_ID_BYTES else None
    if key is None:
        raise AwsError("kms", "InvalidCiphertextException", "The ciphertext is invalid.", 400)
    named_ref = params.get(NAMED_KEY_PARAM.get(operation, ""))
    if named_ref:
        named = state.resolve_key(named_ref, caller_account)
        if named is None:
            raise AwsError("kms", "NotFoundException", f"Key '{named_ref}' does not exist", 400)
        if named.arn != key.arn:
            raise AwsError("kms", "IncorrectKeyException", _INCORRECT_KEY, 400)
    return key
