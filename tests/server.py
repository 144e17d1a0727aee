"""Start a real `ibigraph serve` process on a free loopback port, for HTTP tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["Server", "free_port", "run_server", "start_server", "wait_ready"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]

    def kill9(self) -> None:
        """SIGKILL the whole process group (supervisor and workers) and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, wait: float = 60.0) -> None:
    """Wait until the server at `base` answers /ready; fail with its log if it exits first."""
    deadline = time.monotonic() + wait
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(base + "/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server not ready after {wait} s:\n{log.read_text()}")
        time.sleep(0.1)


@contextlib.contextmanager
def run_server(env: dict[str, str], log: Path, *, wait: float = 60.0) -> Iterator[str]:
    """Run the service with `env` added to the environment; yield its base URL."""
    with start_server(env, log, wait=wait) as server:
        yield server.base


@contextlib.contextmanager
def start_server(
    env: dict[str, str],
    log: Path,
    *,
    wait: float = 60.0,
    command: list[str] | None = None,
    cwd: Path | None = None,
    inherit_env: bool = True,
) -> Iterator[Server]:
    """Run the service (`command`, default this Python's `-m ibigraph`) with `env` added to the
    environment (or as the whole environment); yield it, stopped at the end."""
    port = free_port()
    full_env = {**os.environ, **env} if inherit_env else env
    program = command or [sys.executable, "-m", "ibigraph"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*program, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=full_env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, log, wait)
        yield Server(base, proc)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
