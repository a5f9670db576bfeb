"""seal two-factor secrets with AES-GCM under a key derived from DATA_KEY

Revision ID: 7c3e9a1f5b20
Revises: f3a8c6e1b2d9
Create Date: 2026-12-05 10:00:00

Two-factor secrets were hidden by XOR with HMAC(SHA-256("totp-secret:" + SECRET_KEY), nonce),
without integrity. They are sealed anew here with AES-256-GCM (feedback/storage/keys.py), bound to their
account. The key in force is DATA_KEY, which defaults to SECRET_KEY: the one they were made with.
No schema change; the old form is kept only here, to read it and to go back down.
"""
import hashlib
import hmac
import re
import secrets

import sqlalchemy as sa
from alembic import op
from flask import current_app

from feedback.storage import keys

# revision identifiers, used by Alembic.
revision = '7c3e9a1f5b20'
down_revision = 'f3a8c6e1b2d9'
branch_labels = None
depends_on = None

USERS = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))
SECRET = re.compile(r'[A-Z2-7]{32}')  # totp.new_secret(): 20 bytes in base32, unpadded


def upgrade():
    for user_id, sealed in _sealed_secrets():
        secret = _old_unseal(sealed)
        if secret is None:
            raise RuntimeError(
                f'The two-factor secret of account {user_id} does not open with DATA_KEY (or '
                'SECRET_KEY when DATA_KEY is unset). Run the upgrade with the SECRET_KEY the '
                'service ran with until now.'
            )
        _store(user_id, keys.seal(keys.Purpose.TWO_FACTOR_SECRET, secret, f'user:{user_id}'))


def downgrade():
    for user_id, sealed in _sealed_secrets():
        secret = keys.unseal(keys.Purpose.TWO_FACTOR_SECRET, sealed, f'user:{user_id}')
        nonce = secrets.token_bytes(16)
        _store(user_id, nonce.hex() + ':' + _xor(secret.encode('ascii'), nonce).hex())


def _sealed_secrets():
    return op.get_bind().execute(
        sa.select(USERS.c.id, USERS.c.totp_secret).where(USERS.c.totp_secret.is_not(None))
    ).all()


def _store(user_id, sealed):
    op.get_bind().execute(USERS.update().where(USERS.c.id == user_id).values(totp_secret=sealed))


def _old_unseal(sealed):
    nonce_hex, _, data_hex = sealed.partition(':')
    try:
        secret = _xor(bytes.fromhex(data_hex), bytes.fromhex(nonce_hex)).decode('ascii')
    except (ValueError, UnicodeDecodeError):
        return None
    return secret if SECRET.fullmatch(secret) else None


def _xor(data, nonce):
    key = hashlib.sha256(b'totp-secret:' + current_app.config['DATA_KEY'].encode()).digest()
    pad = hmac.new(key, nonce, hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(data, pad, strict=False))
