"""A throw-away PostgreSQL server for the tests: the one CI provides, or one started here and stopped after.

``$REGIONAL_EIA_TEST_PG_URL`` (an admin URL on a server where databases may be created, such as the one
``.ci/run`` starts) is used when set. Otherwise the server binaries are looked up (``$PATH``, then
Debian's ``/usr/lib/postgresql/<version>/bin``) and a cluster is created in a temporary folder, listening
on 127.0.0.1 only with trust authentication for its one superuser, and stopped when the session ends.
``initdb`` refuses to run as root, so as root the cluster runs as the ``postgres`` system user that
Debian's package creates. Where none of this is possible the tests that need it are skipped, and the skip
says why and what to install.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

ENV_URL = "REGIONAL_EIA_TEST_PG_URL"


class Unavailable(Exception):
    """No PostgreSQL server can be had here; the message says why."""


def _binaries() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if versions:
        return Path(versions[-1]).parent
    raise Unavailable(f"no PostgreSQL server binaries (initdb) found: apt-get install postgresql, or set {ENV_URL}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A running server: ``url`` is its admin URL; :meth:`new_database` gives a fresh empty database."""

    def __init__(self, url: str, stop=None):
        self.url = url
        self._stop = stop

    @classmethod
    def start(cls) -> "Cluster":
        if os.environ.get(ENV_URL):
            return cls(os.environ[ENV_URL].rstrip("/"))
        bin_dir = _binaries()
        # A folder of its own in the system temp dir: the server's user must be able to reach it.
        folder = Path(tempfile.mkdtemp(prefix="regional-eia-pg-"))
        run_as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no 'postgres' user to run initdb as") from None
            runuser = shutil.which("runuser") or shutil.which("setpriv")
            if runuser is None:
                raise Unavailable("running as root and neither runuser nor setpriv is available")
            run_as = ["runuser", "-u", "postgres", "--"]
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        data, sockets, log = folder / "data", folder / "sockets", folder / "server.log"
        sockets.mkdir(parents=True, exist_ok=True)
        if run_as:
            os.chown(sockets, pwd.getpwnam("postgres").pw_uid, -1)
        port = _free_port()
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}

        def run(*command: str) -> None:
            done = subprocess.run([*run_as, *command], capture_output=True, text=True, env=env, timeout=120)
            if done.returncode != 0:
                raise Unavailable(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()[-400:]}")

        try:
            run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--no-instructions")
            options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c full_page_writes=off"
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start")
        except Unavailable:
            shutil.rmtree(folder, ignore_errors=True)
            raise

        def stop() -> None:
            subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           capture_output=True, env=env, timeout=120)
            shutil.rmtree(folder, ignore_errors=True)

        return cls(f"postgresql://postgres@127.0.0.1:{port}/postgres", stop)

    def new_database(self) -> str:
        """Create an empty database with a unique name and return its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + "/" + name

    def execute(self, sql: str) -> None:
        """Run one SQL statement as the admin user (through psql, so the tests need no driver for it)."""
        psql = shutil.which("psql") or str(_binaries() / "psql")
        done = subprocess.run([psql, self.url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"psql: {done.stderr.strip()}")

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None
