"""`python -m xlplugin.cli ARGS` for the tests, as a forked child of the test process.

Why: `make check` runs the command some 300 times. A fresh interpreter spends about 0.15 s
starting and importing before the command does anything; a fork of the test process, which has
imported xlplugin already, starts in a few milliseconds. The child is still a process of its own:
its own exit status, standard streams, working folder and environment, and an uncaught exception
ends it with a traceback on stderr and status 1, as `python -m` would. It runs the module as
`__main__` through runpy, exactly as `-m` does.

Where the fork would not be the same as a new interpreter, the runner starts one: when the
environment given changes a variable read at interpreter start-up (PYTHON*, LANG, LC_*), or where
fork does not exist. Tests of start-up itself (import costs, `python -m xlplugin`, the console
script, memory limits) call `subprocess` directly.
"""

from __future__ import annotations

import functools
import io
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

_STARTUP_VARIABLES = ("PYTHON", "LANG", "LC_")
_STATM = Path("/proc/self/statm")


def run_xlplugin(
    *args: object,
    input: bytes | str | None = None,
    text: bool = False,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
    module: str = "xlplugin.cli",
    memory_limit: int | None = None,
) -> subprocess.CompletedProcess:
    """Like `subprocess.run([sys.executable, "-m", module, *args], capture_output=True, ...)`.

    `memory_limit`: the bytes of address space the command may map beyond what it starts with
    (RLIMIT_AS; in a fork that is the test process's own, in a new interpreter the interpreter's)."""
    argv = [str(a) for a in args]
    command = [sys.executable, "-m", module, *argv]
    if not hasattr(os, "fork") or _changes_startup(env) or (memory_limit is not None and not _STATM.exists()):
        limit = None if memory_limit is None else functools.partial(_limit_memory, memory_limit, 0)
        return subprocess.run(
            command, input=input, capture_output=True, text=text, cwd=cwd, env=env, timeout=timeout, preexec_fn=limit
        )
    data = input.encode() if isinstance(input, str) else input
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        if data is not None:
            stdin.write(data)
            stdin.seek(0)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            if memory_limit is not None:
                _limit_memory(memory_limit, _mapped_bytes())
            _child(module, argv, stdin.fileno() if data is not None else None, out.fileno(), err.fileno(), cwd, env)
        code = _wait(pid, timeout, command)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if text:
        return subprocess.CompletedProcess(command, code, stdout.decode(), stderr.decode())
    return subprocess.CompletedProcess(command, code, stdout, stderr)


def _mapped_bytes() -> int:
    """This process's address space now (Linux: the first field of /proc/self/statm, in pages)."""
    return int(_STATM.read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_memory(allowed: int, already: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (already + allowed, already + allowed))


def _changes_startup(env: Mapping[str, str] | None) -> bool:
    if env is None:
        return False
    names = {n for n in (*env, *os.environ) if n.startswith(_STARTUP_VARIABLES)}
    return any(env.get(n) != os.environ.get(n) for n in names)


def _wait(pid: int, timeout: float, command: list[str]) -> int:
    """The child's exit status; killed, and TimeoutExpired, after `timeout` seconds (as bombs.run_cli)."""
    timer = threading.Timer(timeout, os.kill, (pid, signal.SIGKILL))
    timer.start()
    try:
        _pid, status = os.waitpid(pid, 0)
    finally:
        expired = not timer.is_alive()
        timer.cancel()
        timer.join()  # gone before the next fork: forking beside a live thread may deadlock the child
    if expired and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        raise subprocess.TimeoutExpired(command, timeout)
    return os.waitstatus_to_exitcode(status)


def _child(
    module: str,
    argv: Sequence[str],
    stdin: int | None,
    out: int,
    err: int,
    cwd: str | Path | None,
    env: Mapping[str, str] | None,
) -> None:
    code = 1
    try:
        os.dup2(stdin if stdin is not None else os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        if cwd is not None:
            os.chdir(cwd)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        # New standard streams on fds 0-2, with the encodings and error handlers this interpreter chose at start-up.
        sys.stdin = _stream(0, "r", sys.__stdin__)
        sys.stdout = _stream(1, "w", sys.__stdout__)
        sys.stderr = _stream(2, "w", sys.__stderr__)
        sys.argv = [module, *argv]
        code = 0
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        except SystemExit as exc:
            code = _exit_status(exc.code)
        except BaseException:
            traceback.print_exc()
            code = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                code = code or 120  # as the interpreter does when it cannot flush stdout at exit
    finally:
        os._exit(code)


def _stream(fd: int, mode: str, like: io.TextIOWrapper | None) -> io.TextIOWrapper:
    encoding = getattr(like, "encoding", None) or "utf-8"
    errors = getattr(like, "errors", None) or ("backslashreplace" if fd == 2 else "strict")
    raw = io.FileIO(fd, mode, closefd=False)
    buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    return io.TextIOWrapper(buffered, encoding=encoding, errors=errors, write_through=fd == 2)


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1
