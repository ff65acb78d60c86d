"""Users, passwords and API tokens.

Users and tokens are Officina's own tables, not records of an entity; this
package is the only code that writes them. May import: SQLAlchemy, Werkzeug's
password hashing, officina.records (for `Actor`), officina.schema.
"""

from officina.auth.tokens import (
    authenticate_token,
    create_token,
    list_tokens,
    revoke_token,
)
from officina.auth.users import UserError, add_user, check_password, find_user

__all__ = [
    "UserError",
    "add_user",
    "authenticate_token",
    "check_password",
    "create_token",
    "find_user",
    "list_tokens",
    "revoke_token",
]
