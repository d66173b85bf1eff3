"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temporary folder, unix socket only.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user that
Debian's package creates. Locally a missing PostgreSQL skips; under CI=true it fails (`.ci/run`
installs it).
"""

from __future__ import annotations

import csv
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from oracles import unavailable


def bindir() -> Path | None:
    """The folder with initdb, pg_ctl and psql: Debian's /usr/lib/postgresql/N/bin, or PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4] or 0))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def require_postgres() -> Path:
    where = bindir()
    if where is None or shutil.which("psql") is None and not (where / "psql").exists():
        unavailable(
            "PostgreSQL (initdb, pg_ctl, psql) is not installed",
            " and CI=true requires it (.ci/run installs postgresql)",
        )
    return where


class Postgres:
    """One running server; `query` runs SQL through psql and returns rows as dicts of text."""

    def __init__(self) -> None:
        self.bin = require_postgres()
        self.root = Path(tempfile.mkdtemp(prefix="xlplugin-pg-"))
        self.data = self.root / "data"
        self.user = None
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root needs the 'postgres' user to start PostgreSQL", pytrace=False)
            self.user = "postgres"
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._as_server(
            [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]
        )
        options = f"-k {self.root} -c listen_addresses='' -c fsync=off"
        self._as_server(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"]
        )

    def _as_server(self, cmd: list[str]) -> None:
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed: {r.stdout}{r.stderr}")

    def psql(self, *args: str, sql: str | None = None) -> str:
        psql = str(self.bin / "psql") if (self.bin / "psql").exists() else "psql"
        cmd = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.root), "-U", "postgres", "-d", "postgres"]
        r = subprocess.run([*cmd, *args], input=sql, capture_output=True, text=True, timeout=300)
        if r.returncode:
            raise RuntimeError(f"psql failed: {r.stderr}")
        return r.stdout

    def load_csv(self, path: Path, table: str = "cases") -> None:
        """The CSV as a table of text columns (cells as given; empty cells NULL, as DuckDB reads them)."""
        with open(path, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        columns = ", ".join('"' + h.replace('"', '""') + '" text' for h in header)
        self.psql("-c", f'DROP TABLE IF EXISTS "{table}"; CREATE TABLE "{table}" ({columns})')
        self.psql("-c", f"\\copy \"{table}\" FROM '{path}' WITH (FORMAT csv, HEADER true)")

    def query(self, sql: str) -> list[dict[str, str]]:
        out = self.psql("-A", "-F", "\t", "-P", "footer=off", "-f", "-", sql=sql)
        lines = [line for line in out.splitlines() if line]
        header = lines[0].split("\t")
        return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]

    def stop(self) -> None:
        try:
            self._as_server([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
