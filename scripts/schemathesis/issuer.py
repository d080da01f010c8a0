"""A throwaway token issuer for the schemathesis run: writes a JWKS file with a fresh RSA key
and prints one RS256 bearer token (issuer, audience and subject from the arguments).

    issuer.py JWKS_PATH ISSUER AUDIENCE SUBJECT
"""

import json
import sys
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

path, issuer, audience, subject = sys.argv[1:5]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
public.update({"kid": "schemathesis", "alg": "RS256", "use": "sig"})
with open(path, "w", encoding="utf-8") as jwks:
    json.dump({"keys": [public]}, jwks)
now = int(time.time())
claims = {
    "iss": issuer,
    "aud": audience,
    "sub": subject,
    "email": f"{subject}@example.org",
    "given_name": "Schema",
    "family_name": "Thesis",
    "iat": now,
    "exp": now + 3600,
}
print(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "schemathesis"}))
