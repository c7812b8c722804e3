"""A small InfluxDB HTTP client over an aiohttp session: ping, write, InfluxQL.

API v1 (InfluxDB 1.x, and 2.x's compatibility endpoint): `/write?db=&rp=`
with basic authentication, `/query` for InfluxQL. API v2: `/api/v2/write?
org=&bucket=` with `Authorization: Token`. Both write with `precision=s`.

Every failure is one of four kinds, which decide what the exporter does:
`InfluxUnreachableError` (connection errors, timeouts, 5xx, 429: retry with
back-off), `InfluxAuthError` (401/403) and `InfluxNotFoundError` (database,
bucket or retention policy missing) — a repair issue —, and
`InfluxBadRequestError` (400: malformed or partial write, never retried).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
import json
import re
import time
from typing import Any, Final

import aiohttp
from yarl import URL

from .points import RetentionTier

DEFAULT_TIMEOUT_S: Final = 10.0
_DROPPED = re.compile(r"dropped=(\d+)")
_MAX_MESSAGE: Final = 500


class ApiVersion(StrEnum):
    """Which write API the server speaks."""

    V1 = "1"
    V2 = "2"


@dataclass(frozen=True, slots=True)
class InfluxTarget:
    """Where to write, and as whom."""

    url: str
    api_version: ApiVersion = ApiVersion.V1
    database: str = ""
    username: str = ""
    password: str = ""
    org: str = ""
    bucket: str = ""
    token: str = ""

    @property
    def name(self) -> str:
        """The database or bucket, for messages."""
        return self.database if self.api_version is ApiVersion.V1 else self.bucket


class InfluxError(Exception):
    """Base class; `message` is the server's explanation when it gave one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class InfluxUnreachableError(InfluxError):
    """No answer, a timeout, 5xx or 429: worth retrying (after `retry_after` s)."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class InfluxTlsError(InfluxUnreachableError):
    """The server's certificate was not accepted."""


class InfluxAuthError(InfluxError):
    """401 (wrong credentials or token) or 403 (no write permission)."""


class InfluxNotFoundError(InfluxError):
    """The database, bucket, organization or retention policy does not exist."""


class InfluxBadRequestError(InfluxError):
    """400: the server refused (some of) the lines; `dropped` says how many."""

    def __init__(self, message: str, status: int | None, dropped: int | None) -> None:
        super().__init__(message, status)
        self.dropped = dropped


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _message(text: str) -> str:
    """The server's error: `error` (v1) or `message` (v2) of a JSON body, else the text."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:_MAX_MESSAGE]
    if isinstance(body, dict):
        for key in ("error", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])[:_MAX_MESSAGE]
    return text.strip()[:_MAX_MESSAGE]


def raise_for_status(status: int, text: str, retry_after: str | None = None) -> None:
    """Map a non-2xx answer to its error kind."""
    if 200 <= status < 300:
        return
    message = _message(text) or f"HTTP {status}"
    if status == 400:
        # `dropped=` counts points refused for their content; unparsable
        # lines come on top, each named in the message.
        dropped = _DROPPED.search(message)
        refused = int(dropped.group(1)) + message.count("unable to parse") if dropped else None
        raise InfluxBadRequestError(message, status, refused)
    if status in (401, 403):
        raise InfluxAuthError(message, status)
    # 1.x answers a missing retention policy with 500.
    if status == 404 or "retention policy not found" in message:
        raise InfluxNotFoundError(message, status)
    if status == 429 or status >= 500:
        raise InfluxUnreachableError(message, status, _retry_after(retry_after))
    raise InfluxBadRequestError(message, status, None)


def quote_identifier(name: str) -> str:
    """An InfluxQL identifier in double quotes."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class InfluxClient:
    """Talks to one InfluxDB server through a shared aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        target: InfluxTarget,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self._session = session
        self.target = target
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        base = URL(target.url)
        # A server behind a reverse proxy may sit under a path prefix.
        self._base = base.with_query(None).with_fragment(None)
        self._prefix = base.path.rstrip("/")
        self._headers: dict[str, str] = {}
        if target.api_version is ApiVersion.V2:
            self._headers["Authorization"] = f"Token {target.token}"
        elif target.username:
            # InfluxDB (Go) reads the credentials as UTF-8.
            credentials = f"{target.username}:{target.password}".encode()
            self._headers["Authorization"] = f"Basic {base64.b64encode(credentials).decode()}"

    def _url(self, path: str) -> URL:
        return self._base.with_path(f"{self._prefix}/{path}")

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: bytes | dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> str:
        try:
            async with self._session.request(
                method,
                self._url(path),
                params=params,
                data=data,
                headers={**self._headers, **(headers or {})},
                timeout=self._timeout,
            ) as response:
                text = await response.text(errors="replace")
                raise_for_status(response.status, text, response.headers.get("Retry-After"))
                return text
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as err:
            raise InfluxTlsError(str(err)) from err
        except TimeoutError as err:
            raise InfluxUnreachableError(f"no answer within {self._timeout.total} s") from err
        except (aiohttp.ClientError, OSError) as err:
            raise InfluxUnreachableError(str(err) or type(err).__name__) from err

    async def ping(self) -> None:
        """Check that an InfluxDB server answers."""
        try:
            await self._request("GET", "ping")
        except InfluxNotFoundError as err:
            raise InfluxUnreachableError(f"no InfluxDB at this URL ({err.message})", 404) from err

    async def write(self, body: bytes, retention_policy: str | None = None) -> None:
        """Write line protocol (an empty body only checks the permission to write)."""
        params = {"precision": "s"}
        if self.target.api_version is ApiVersion.V1:
            path = "write"
            params["db"] = self.target.database
            if retention_policy:
                params["rp"] = retention_policy
        else:
            path = "api/v2/write"
            params["org"] = self.target.org
            params["bucket"] = self.target.bucket
        await self._request(
            "POST",
            path,
            params=params,
            data=body,
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )

    async def query(self, statement: str) -> list[dict[str, Any]]:
        """Run InfluxQL (API v1); return the series of the first result."""
        text = await self._request("POST", "query", data={"q": statement})
        try:
            results = json.loads(text).get("results", [])
        except (ValueError, AttributeError) as err:
            raise InfluxBadRequestError(
                f"not an InfluxQL answer: {text[:100]}", None, None
            ) from err
        for result in results:
            if "error" in result:
                raise InfluxBadRequestError(str(result["error"]), None, None)
        series: list[dict[str, Any]] = results[0].get("series", []) if results else []
        return series

    async def provision(self, tiers: tuple[RetentionTier, ...]) -> list[str]:
        """Create the database and the retention tiers that are missing (API v1).

        An existing policy is left as it is, even with other durations: the
        user may have changed it on purpose. Returns what was created.
        """
        database = self.target.database
        created: list[str] = []
        series = await self.query("SHOW DATABASES")
        names = {row[0] for entry in series for row in entry.get("values") or []}
        if database not in names:
            await self.query(f"CREATE DATABASE {quote_identifier(database)}")
            created.append(f"database {database}")
        if not tiers:
            return created
        series = await self.query(f"SHOW RETENTION POLICIES ON {quote_identifier(database)}")
        policies = {row[0] for entry in series for row in entry.get("values") or []}
        for tier in tiers:
            if tier.name in policies:
                continue
            await self.query(
                f"CREATE RETENTION POLICY {quote_identifier(tier.name)}"
                f" ON {quote_identifier(database)} DURATION {tier.duration}"
                f" REPLICATION 1 SHARD DURATION {tier.shard_duration}"
            )
            created.append(f"retention policy {tier.name}")
        return created
