"""Real SPARQL servers on loopback for the tests and the benchmarks: Virtuoso Open Source and Oxigraph's server.

Each runs as a child process on 127.0.0.1 with free ports, a database and a configuration of its own in a given
directory, and is stopped by :meth:`StoreServer.stop`. Virtuoso comes from Debian (``virtuoso-opensource-7-bin``,
installed by ``make setup-test``); Oxigraph's server from PyPI (the ``oxigraph`` package of the test extra).
"""

from __future__ import annotations

import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

VIRTUOSO = "virtuoso-t"
VIRTUOSO_ISQL = "isql-vt"
INSTALL_HINT = "run `make setup-test` (it installs virtuoso-opensource-7-bin and the oxigraph server)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class StoreServer:
    """A running store: its kind, base URL, the account allowed to write, and its process."""

    kind: str
    url: str
    user: str | None
    password: str | None
    process: subprocess.Popen
    workdir: Path
    log: Path
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the server to shut down (SIGTERM), then kill it if it has not within ``timeout`` seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> StoreServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_http(process: subprocess.Popen, url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the server exited with {process.returncode}: {tail}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server did not answer {url} within {timeout:g} s; log: {log}")
        time.sleep(0.3)


def _find(program: str) -> str:
    found = shutil.which(program) or shutil.which(program, path=str(Path(sys.executable).parent))
    if not found:
        raise FileNotFoundError(f"{program} is not installed; {INSTALL_HINT}")
    return found


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 20
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
ServerThreads = 20
DirsAllowed = ., {dir}
DefaultIsolation = 2
MaxQueryMem = {max_query_mem}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 20
ServerThreads = 20
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {max_seconds}
MaxQueryCostEstimationTime = 0
"""


def _isql(sql_port: int, password: str, statements: str) -> None:
    command = [_find(VIRTUOSO_ISQL), f"127.0.0.1:{sql_port}", "dba", password, f"EXEC={statements}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")


def start_virtuoso(
    workdir: Path, buffers: int = 20_000, max_seconds: int = 120, timeout: float = 120.0, max_query_mem: str = "512M"
) -> StoreServer:
    """Start Virtuoso in ``workdir`` (database, ``virtuoso.ini``, log), on loopback ports chosen now.

    Creates a user ``publisher`` (random password) with the ``SPARQL_UPDATE`` role, which is what
    ``/sparql-auth`` and ``/sparql-graph-crud-auth`` require, and replaces the default ``dba`` password.
    ``buffers`` is ``NumberOfBuffers`` (8 KiB pages of cache), ``max_query_mem`` its ``MaxQueryMem``. Raises
    ``FileNotFoundError`` when Virtuoso is not installed, ``RuntimeError``/``TimeoutError`` when it does not start.
    """
    program = _find(VIRTUOSO)
    workdir.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            dir=workdir,
            sql_port=sql_port,
            http_port=http_port,
            buffers=buffers,
            dirty_buffers=buffers * 3 // 4,
            max_seconds=max_seconds,
            max_query_mem=max_query_mem,
        ),
        encoding="utf-8",
    )
    log = workdir / "stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [program, "+foreground", "+configfile", str(ini)],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{http_port}"
    server = StoreServer(
        "virtuoso", url, "publisher", secrets.token_urlsafe(12), process, workdir, log, {"sql_port": str(sql_port)}
    )
    try:
        _wait_http(process, url + "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", log, timeout)
        dba = secrets.token_urlsafe(12)
        _isql(
            sql_port,
            "dba",
            f"DB.DBA.USER_CREATE('publisher', '{server.password}'); "
            f'GRANT SPARQL_UPDATE TO "publisher"; '
            f"DB.DBA.USER_CHANGE_PASSWORD('dba', 'dba', '{dba}');",
        )
        server.extra["dba_password"] = dba
    except BaseException:
        server.stop()
        raise
    return server


def start_oxigraph(workdir: Path, timeout_s: int | None = None, timeout: float = 60.0) -> StoreServer:
    """Start Oxigraph's own server (``oxigraph serve``) over a database in ``workdir`` on a loopback port.

    ``timeout_s`` is its ``--timeout-s`` (per query). Raises ``FileNotFoundError`` when it is not installed.
    """
    program = _find("oxigraph")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [program, "serve", "--location", str(workdir / "db"), "--bind", f"127.0.0.1:{port}"]
    if timeout_s is not None:
        command += ["--timeout-s", str(timeout_s)]
    log = workdir / "stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    server = StoreServer("oxigraph", url, None, None, process, workdir, log)
    try:
        _wait_http(process, url + "/query?query=ASK%7B%7D", log, timeout)
    except BaseException:
        server.stop()
        raise
    return server
