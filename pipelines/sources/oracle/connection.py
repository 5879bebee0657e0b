"""How to reach the Oracle database: a picklable description, connected where it is used."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pipelines.errors import ConfigError
from pipelines.secrets import Credentials, redact, reject_password_in_url
from pipelines.sources.oracle.errors import PASSWORD_ENV, connection_error

DEFAULT_PORT = 1521


@dataclass(frozen=True)
class OracleConnection:
    """How to reach the database; picklable, the password is resolved where it is used."""

    dsn: str  # Easy Connect: host:port/service
    user: str
    credentials: Credentials = Credentials(env_var=PASSWORD_ENV)
    connect_timeout_s: float = 10.0

    @classmethod
    def from_url(cls, url: str, credentials: Credentials | None = None,
                 connect_timeout_s: float = 10.0) -> OracleConnection:
        """``oracle://USER@HOST[:PORT]/SERVICE`` (never with a password) -> OracleConnection."""
        try:
            parts = urlsplit(url)
            password = parts.password
        except ValueError as exc:
            raise ConfigError(f"bad --source_url {redact(url)!r}: {exc}") from exc
        if password:  # checked here first: the shared message names PostgreSQL's variable
            raise ConfigError("--source_url must not contain a password: set it in an environment variable "
                              f"(--source_password_env, e.g. {PASSWORD_ENV}) or a Secret Manager secret "
                              "(--source_password_secret)")
        reject_password_in_url(url)
        service = unquote(parts.path.lstrip("/"))
        if parts.scheme != "oracle" or not parts.hostname or not parts.username or not service or parts.query:
            raise ConfigError(f"bad --source_url {redact(url)!r}: expected oracle://USER@HOST[:PORT]/SERVICE")
        dsn = f"{parts.hostname}:{parts.port or DEFAULT_PORT}/{service}"
        return cls(dsn, unquote(parts.username), credentials or Credentials(env_var=PASSWORD_ENV),
                   connect_timeout_s)

    def connect(self):
        """A thin-mode python-oracledb connection; failures become one-line SourceErrors."""
        import oracledb

        try:
            conn = oracledb.connect(user=self.user, password=self.credentials.password(), dsn=self.dsn,
                                    tcp_connect_timeout=self.connect_timeout_s)
        except (oracledb.Error, OSError) as exc:  # an unknown host raises socket.gaierror unwrapped
            raise connection_error(self.dsn, self.user, exc, self.credentials.env_var) from exc
        conn.module = "minera-batch-loader"  # shows in V$SESSION for the DBAs
        return conn

