#!/usr/bin/env python3
"""An independent gfdx signer in Python (python3-cryptography), as a bank's integration team
would write it: its own M, none of gfdx's code.

  sign.py generate KEYFILE                     new Ed25519 key (PKCS#8 PEM, 0600); prints the
                                               registry public_key (base64 DER SPKI)
  sign.py public KEYFILE                       prints the public_key of an existing key file
  sign.py sign KEYFILE KAFKA_KEY VALUEFILE     prints the base64 gfdx-sig over M
  sign.py verify PUBLIC_KEY KAFKA_KEY VALUEFILE SIG   exit 0 ok, 1 bad signature

M = b"gfdx-sig-v1" || 0x00 || uint32_be(len(key)) || key || value (DESIGN §4).
"""
import base64
import os
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def message(key: bytes, value: bytes) -> bytes:
    return b"gfdx-sig-v1\x00" + struct.pack(">I", len(key)) + key + value


def public_text(private_key) -> str:
    der = private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "generate" and len(argv) == 3:
        k = Ed25519PrivateKey.generate()
        pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
        fd = os.open(argv[2], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        print(public_text(k))
    elif cmd == "public" and len(argv) == 3:
        print(public_text(load(argv[2])))
    elif cmd == "sign" and len(argv) == 5:
        with open(argv[4], "rb") as f:
            value = f.read()
        sig = load(argv[2]).sign(message(argv[3].encode("utf-8"), value))
        print(base64.b64encode(sig).decode("ascii"))
    elif cmd == "verify" and len(argv) == 6:
        pub = serialization.load_der_public_key(base64.b64decode(argv[2], validate=True))
        with open(argv[4], "rb") as f:
            value = f.read()
        try:
            pub.verify(base64.b64decode(argv[5], validate=True), message(argv[3].encode("utf-8"), value))
        except InvalidSignature:
            print("BAD_SIGNATURE")
            return 1
        print("ok")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
