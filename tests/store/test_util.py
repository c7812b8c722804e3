"""URL handling and validation used by the options flow."""

from __future__ import annotations

from datetime import UTC, datetime
import os
import sqlite3

import pytest

from custom_components.integration_reliability.store.util import (
    DatabaseUrlError,
    corrupt_suffix,
    is_corruption_error,
    normalize_db_url,
    redact_url,
    sqlite_url,
    validate_db_url,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://u:p@h/db", "mysql+pymysql://u:p@h/db?charset=utf8mb4"),
        ("mariadb://u:p@h/db", "mysql+pymysql://u:p@h/db?charset=utf8mb4"),
        ("mysql://u@h/db?charset=latin1", "mysql+pymysql://u@h/db?charset=latin1"),
        ("postgresql://u:p@h:5432/db", "postgresql+psycopg2://u:p@h:5432/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("sqlite:////config/x.db", "sqlite:////config/x.db"),
    ],
)
def test_normalize_db_url(url: str, expected: str) -> None:
    assert normalize_db_url(url) == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [("not a url", "invalid_url"), ("oracle://u@h/db", "unsupported_engine")],
)
def test_bad_urls_are_rejected_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(DatabaseUrlError) as err:
        validate_db_url(url)
    assert err.value.reason == reason


def test_validate_connects(tmp_path: os.PathLike[str], socket_enabled: None) -> None:
    validate_db_url(sqlite_url(os.path.join(tmp_path, "ok.db")))
    with pytest.raises(DatabaseUrlError) as err:
        validate_db_url("postgresql://postgres:secret@127.0.0.1:1/none")
    assert err.value.reason == "cannot_connect"
    with pytest.raises(DatabaseUrlError) as err:
        validate_db_url(sqlite_url(os.path.join(tmp_path, "missing", "dir", "x.db")))
    assert err.value.reason == "cannot_connect"


def test_redact_url() -> None:
    assert "secret" not in redact_url("postgresql://u:secret@h/db")
    assert redact_url("::nonsense") == "<invalid database url>"


def test_corrupt_suffix_is_utc_timestamp() -> None:
    moment = datetime(2026, 11, 25, 15, 6, 1, tzinfo=UTC)
    assert corrupt_suffix(moment) == ".corrupt.20261125T150601Z"


def test_locked_is_not_corruption() -> None:
    assert is_corruption_error(sqlite3.DatabaseError("database disk image is malformed"))
    assert is_corruption_error(sqlite3.DatabaseError("file is not a database"))
    assert not is_corruption_error(sqlite3.OperationalError("database is locked"))
