"""Database passwords: from an environment variable or Secret Manager, never from argv.

Workers resolve the password themselves (``Credentials.password()`` runs in the DoFn's
``setup``), so it never travels in the pipeline graph Dataflow shows in its console.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from pipelines.errors import ConfigError, SourceError


@dataclass(frozen=True)
class Credentials:
    """Where a password comes from: an env var name and/or a Secret Manager version name."""

    env_var: str | None = None
    secret: str | None = None  # projects/P/secrets/S[/versions/V]

    def password(self) -> str | None:
        if self.secret:
            return _access_secret(self.secret)
        if self.env_var:
            return os.environ.get(self.env_var)
        return None


def _access_secret(name: str) -> str:
    if "/versions/" not in name:
        name = f"{name}/versions/latest"
    try:
        from google.cloud import secretmanager

        client = secretmanager.SecretManagerServiceClient()
        return client.access_secret_version(name=name).payload.data.decode("utf-8")
    except Exception as exc:  # noqa: BLE001 - any failure here means "no password"
        raise SourceError(f"cannot read secret {name}: {str(exc).splitlines()[0]}") from exc


def reject_password_in_url(url: str, option: str = "--source_url") -> None:
    """Passwords in a URL end up in shell history and in the job graph: refuse them."""
    try:
        parts = urlsplit(url)
        password = parts.password or dict(parse_qsl(parts.query)).get("password")
    except ValueError as exc:
        raise ConfigError(f"bad {option} {redact(url)!r}: {exc}") from exc
    if password:
        raise ConfigError(
            f"{option} must not contain a password: set it in an environment variable "
            "(--source_password_env, default PGPASSWORD) or a Secret Manager secret (--source_password_secret)"
        )
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here, not deep in a driver
    except ValueError as exc:
        raise ConfigError(f"bad {option} {redact(url)!r}: {exc}") from exc


def redact(url: str) -> str:
    """The URL with any password replaced, safe for logs and errors."""
    try:
        parts = urlsplit(url)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return "<unparseable url>"
    return url
