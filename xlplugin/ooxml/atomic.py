"""The one way xlplugin creates or replaces a file the user has: complete, in place, or not at all.

Why one module: `report`, `refresh` and the starter all promise that the user's file is either
the old one or the complete new one, and that the file keeps what the user set on it (owner,
group, mode, ACL, extended attributes, the symlink that points at it). Those promises are kept
here once:

- the new bytes go to a temporary file beside the real file (``.xlplugin-PID-HEX.tmp``), are
  fsynced, get the old file's owner, mode and extended attributes (ACLs are one of them), and
  only then replace it with one ``rename``; the folder is fsynced before success is reported;
- just before the rename, the target must still be the file that was read (device, inode,
  size, mtime): anything that saved over it meanwhile (Excel, LibreOffice, a sync client,
  another xlplugin) makes the write refuse instead of silently undoing that save;
- a new file is created exclusively (a hard link of the finished temporary file, which fails
  when the name exists), so two runs cannot both create it; its mode follows the umask;
- a symlink is followed (the real file is replaced, the link stays); a file with several hard
  links or without write permission is refused unless forced;
- failures of the environment (disk full, read-only file system, name too long, permission
  denied) are InputErrors naming the user's path; a Ctrl-C says whether the file was replaced;
- temporary files of an earlier killed run (the same name pattern, over an hour old) are removed.

Stdlib only and cheap to import (`report` uses it, and its start-up time is measured).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from xlplugin.core.errors import InputError, Problem
from xlplugin.core.record import NamedTuple

try:  # POSIX advisory locks; Windows has none (its own sharing modes refuse a file in use)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

TEMP_PATTERN = re.compile(r"\.xlplugin-\d+-[0-9a-f]{8}\.tmp")
"""Temporary files beside a target; anything matching this and older than STALE_SECONDS is ours, abandoned."""
STALE_SECONDS = 3600
SCRATCH_PATTERN = re.compile(r"xlplugin-refresh-\w+")
"""The scratch folders earlier versions made in the system temp folder."""

CHANGED = "the workbook changed while xlplugin was working on it (another program saved it); nothing was written"

Hook = Callable[[str], None]
"""Called with a step name before each step; tests raise from it to simulate a crash."""


def _no_hook(step: str) -> None:
    return None


WRITE_LOG = "XLPLUGIN_WRITE_LOG"
"""The test suite's ooxml-check gate (tests/ooxml_gate.py) sets this to a file name, so that it sees
the workbooks written by child processes too (`xlplugin ...` run by the tests): each write then
copies the file it replaces (or its `source`) and the file written beside that log and appends one
JSON line naming them and the test (`WRITE_LOG_TEST`). Unset, as everywhere outside the tests, it
costs one environment look-up; a failure to log never fails the write."""
WRITE_LOG_TEST = "XLPLUGIN_WRITE_LOG_TEST"


class Identity(NamedTuple):
    """What says a file is still the one that was read: a save by rename changes the inode, in place the mtime."""

    dev: int
    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Identity:
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def identity(path: Path) -> Identity | None:
    try:
        return Identity.of(os.stat(path))
    except FileNotFoundError:
        return None


class WriteInterrupted(KeyboardInterrupt):
    """Ctrl-C during a write, saying truthfully whether the target was replaced."""

    def __init__(self, path: Path | str, replaced: bool):
        self.path = str(path)
        self.replaced = replaced
        super().__init__(
            f"interrupted after {self.path} was replaced (the new version is complete)"
            if replaced
            else f"interrupted; nothing was written ({self.path} is unchanged)"
        )


def refuse(path: Path | str, message: str) -> InputError:
    return InputError(Problem(message, str(path)))


# --------------------------------------------------------------------------------------------
# who else has the file open


def lock_files(path: Path) -> list[Path]:
    """The lock files Excel and LibreOffice put beside `path` while it is open.

    Excel (and Office's owner file): ``~$`` + the name; for Office's long names the owner file
    replaces the first characters instead (a stem of 7 characters loses one, of 8 or more two).
    LibreOffice: ``.~lock.`` + the name + ``#``. Only these exact names count, so ``a_book.xlsx``
    is not refused because ``book.xlsx`` is open.
    """
    folder, name = path.parent, path.name
    stem = Path(name).stem
    candidates = [f"~${name}", f".~lock.{name}#"]
    if len(stem) >= 8:
        candidates.append(f"~${name[2:]}")
    elif len(stem) == 7:
        candidates.append(f"~${name[1:]}")
    return [folder / c for c in candidates if _exists(folder / c)]


def _exists(path: Path) -> bool:
    """Path.exists, but a name the file system cannot hold (too long) simply does not exist."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def refuse_if_open_elsewhere(path: Path) -> None:
    """Refuse a workbook that Excel or LibreOffice has open (their lock file is beside it)."""
    for lock in lock_files(path):
        program = "LibreOffice" if lock.name.startswith(".~lock.") else "Excel"
        raise refuse(
            path,
            f"the workbook is open in {program} (its lock file {lock.name} is beside it); close it there and try again",
        )


def lock(handle: BinaryIO, path: Path) -> None:
    """Take the advisory lock of an open file for as long as it stays open; refuse when another has it.

    Then check that `path` still names that file: a run that waited for the lock may find the
    workbook already replaced by the one that held it.
    """
    if fcntl is None:  # pragma: no cover - Windows
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise refuse(
            path, "another xlplugin command is writing this workbook; try again when it has finished"
        ) from None
    except OSError:  # a file system without locks (some network shares): the identity check remains
        return
    if identity(path) != Identity.of(os.fstat(handle.fileno())):
        raise refuse(path, CHANGED)


# --------------------------------------------------------------------------------------------
# the write


def real_path(path: Path) -> Path:
    """The file a (chain of) symlink(s) names; `path` itself otherwise. The link is kept, the file replaced."""
    path = Path(path)
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def backup_path(path: Path) -> Path:
    """``NAME.bak.xlsx`` beside NAME.xlsx (NAME.bak.xlsm for macro workbooks)."""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_file(
    path: Path | str,
    write: Callable[[BinaryIO], object],
    *,
    replace: bool,
    expect: Identity | None = None,
    force: bool = False,
    backup: bool = False,
    hold_lock: bool = False,
    hook: Hook = _no_hook,
    source: Path | None = None,
) -> Path:
    """Write the file `path` with `write(handle)`, atomically; return `path`.

    `source` names the file the new one is made from (a refresh's workbook), for checks that
    compare the two (the test suite's ooxml-check gate); it is not written to.

    `replace`: the file may exist and is replaced (an in-place refresh, `--force`); otherwise it is
    created exclusively and an existing file is refused. `expect`: the identity of the file that
    was read; the write refuses when the target is no longer it. `hold_lock`: take the advisory
    lock of an existing target for the duration (callers that read it hold their own).
    """
    log = os.environ.get(WRITE_LOG)
    if log:
        return _logged(
            log, Path(path), source, lambda: _write_file(path, write, replace, expect, force, backup, hold_lock, hook)
        )
    return _write_file(path, write, replace, expect, force, backup, hold_lock, hook)


def _write_file(
    path: Path | str,
    write: Callable[[BinaryIO], object],
    replace: bool,
    expect: Identity | None,
    force: bool,
    backup: bool,
    hold_lock: bool,
    hook: Hook,
) -> Path:
    user_path = Path(path)
    try:
        real = real_path(user_path)
        folder = real.parent if str(real.parent) else Path(".")
        remove_stale(folder)
        st = _stat_or_none(real)
        if st is not None and not replace:
            raise refuse(user_path, "already exists; use --force to overwrite it")
        if st is not None:
            _check_replaceable(user_path, real, st, force)
        with _held(real, st, hold_lock, user_path) as held:
            if expect is None and held is not None:
                expect = held
            return _write(user_path, real, folder, st, write, replace, expect, force, backup, hook)
    except InputError:
        raise
    except WriteInterrupted:
        raise
    except OSError as exc:
        raise environment_error(user_path, exc) from None


def _logged(log: str, path: Path, source: Path | None, write: Callable[[], Path]) -> Path:
    """`write()`, with the gate's copies of the file before and after and one JSON line in `log` (WRITE_LOG)."""
    import itertools
    import json
    import shutil

    counter = itertools.count()

    def keep(file: Path | None, kind: str) -> str | None:
        try:
            if file is None or not file.is_file():
                return None
            with open(file, "rb") as handle:
                if handle.read(4) != b"PK\x03\x04":
                    return None  # a workbook is a zip: nothing else is checked
            copy = Path(log).parent / f"{os.getpid()}-{time.monotonic_ns()}-{next(counter)}-{kind}{file.suffix}"
            shutil.copyfile(file, copy)
            return str(copy)
        except OSError:
            return None

    try:
        real = real_path(path)
    except OSError:
        real = path
    before = keep(real, "before") or keep(source, "before")
    result = write()
    after = keep(real, "after")
    if after is not None:
        line = json.dumps({"test": os.environ.get(WRITE_LOG_TEST, ""), "before": before, "after": after})
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return result


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        raise refuse(path, "is a folder; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise refuse(path, "is not a regular file")
    return st


def _check_replaceable(user_path: Path, real: Path, st: os.stat_result, force: bool) -> None:
    if force:
        return
    if st.st_nlink > 1:
        raise refuse(
            user_path,
            f"has {st.st_nlink} hard links; replacing it would leave the other names with the old version. "
            "Use --force to replace it here anyway, or -o to write a new file",
        )
    if not st.st_mode & 0o222 or not os.access(real, os.W_OK):
        raise refuse(user_path, "is read-only; make it writable, use --force, or -o to write a new file")


class _held:
    """The advisory lock of an existing target, when asked for."""

    def __init__(self, real: Path, st: os.stat_result | None, wanted: bool, user_path: Path):
        self.handle: BinaryIO | None = None
        self.args = (real, st, wanted, user_path)

    def __enter__(self) -> Identity | None:
        real, st, wanted, user_path = self.args
        if not wanted or st is None:
            return None
        self.handle = open(real, "rb")
        try:
            lock(self.handle, user_path)
            return Identity.of(os.fstat(self.handle.fileno()))
        except BaseException:
            self.handle.close()
            raise

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


def _temp_name(folder: Path) -> Path:
    return folder / f".xlplugin-{os.getpid()}-{os.urandom(4).hex()}.tmp"


def _write(
    user_path: Path,
    real: Path,
    folder: Path,
    st: os.stat_result | None,
    write: Callable[[BinaryIO], object],
    replace: bool,
    expect: Identity | None,
    force: bool,
    backup: bool,
    hook: Hook,
) -> Path:
    hook("tempfile")
    temp = _temp_name(folder)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    temp_id: Identity | None = None
    replaced = False
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            hook("flush")
            handle.flush()
            os.fsync(handle.fileno())
            _copy_metadata(user_path, real, st, handle.fileno(), force)
            temp_id = Identity.of(os.fstat(handle.fileno()))
        if backup and st is not None:
            hook("backup")
            _backup(real, folder)
        hook("replace")
        if expect is not None and identity(real) != expect:
            raise refuse(user_path, CHANGED)
        if replace:
            os.replace(temp, real)
        else:
            _create_exclusively(temp, real, user_path)
        replaced = True
        hook("fsync-folder")
        fsync_folder(folder)
    except KeyboardInterrupt:
        done = replaced or (temp_id is not None and identity(real) == temp_id)
        raise WriteInterrupted(user_path, done) from None
    finally:
        if not replaced:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    return user_path


def _create_exclusively(temp: Path, real: Path, user_path: Path) -> None:
    """Give the finished file its name only if nobody took the name meanwhile."""
    try:
        os.link(temp, real)
    except FileExistsError:
        raise refuse(user_path, "already exists (it appeared while xlplugin was working); use --force") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # a file system without hard links: reserve the name, then replace the placeholder
        placeholder = os.open(real, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(placeholder)
        os.replace(temp, real)
        return
    os.unlink(temp)


def _copy_metadata(user_path: Path, real: Path, st: os.stat_result | None, fd: int, force: bool) -> None:
    """The old file's owner, group, mode and extended attributes (ACLs among them) on the new one."""
    if st is None:
        os.fchmod(fd, 0o666 & ~umask())
        return
    try:  # a no-op for one's own file; as root, another user's file stays theirs
        os.fchown(fd, st.st_uid, st.st_gid)
    except PermissionError:
        if not force:
            raise refuse(
                user_path,
                f"belongs to user {st.st_uid} and group {st.st_gid}, which this account cannot give the "
                "new version; use --force to make it yours, or -o to write a new file",
            ) from None
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    _copy_xattrs(user_path, real, fd, force)


def _copy_xattrs(user_path: Path, real: Path, fd: int, force: bool) -> None:
    if not hasattr(os, "listxattr"):  # pragma: no cover - not Linux
        return
    try:
        names = os.listxattr(real)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return
        raise
    for name in names:
        try:
            os.setxattr(fd, name, os.getxattr(real, name))
        except OSError as exc:
            if force:
                continue
            raise refuse(
                user_path,
                f"has the extended attribute {name} (an ACL or a label), which cannot be kept "
                f"({exc.strerror}); use --force to write the file without it",
            ) from None


def _backup(real: Path, folder: Path) -> None:
    """The old file as NAME.bak.xlsx: a second name for its inode (nothing copied), or a copy."""
    target = backup_path(real)
    temp = _temp_name(folder)
    try:
        try:
            os.link(real, temp)
        except OSError:
            with open(real, "rb") as src, open(temp, "xb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            os.chmod(temp, stat.S_IMODE(os.stat(real).st_mode))
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open a folder
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _remove_old(
    folder: Path,
    pattern: re.Pattern[str],
    ours: Callable[[os.DirEntry[str]], bool],
    remove: Callable[[str], None],
    now: float | None,
) -> list[Path]:
    """Remove the entries of `folder` whose name fits `pattern`, that `ours` accepts and that are over an hour old."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if ours(entry) and now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS:
                remove(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def remove_stale(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files an earlier, killed run left in `folder` (our pattern, over an hour old)."""
    return _remove_old(folder, TEMP_PATTERN, lambda entry: entry.is_file(follow_symlinks=False), os.unlink, now)


def remove_stale_scratch(temp_root: Path, now: float | None = None) -> list[Path]:
    """Remove ``xlplugin-refresh-*`` folders earlier versions left in the system temp folder (ours, old)."""
    import shutil

    def ours(entry: os.DirEntry[str]) -> bool:
        return entry.is_dir(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_uid == os.getuid()

    return _remove_old(temp_root, SCRATCH_PATTERN, ours, lambda path: shutil.rmtree(path, ignore_errors=True), now)


_PLAIN = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.ENAMETOOLONG: "the file name is too long for this file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
    errno.EIO: "an input/output error (the disk or the network share failed)",
}


def environment_error(path: Path | str, exc: OSError, verb: str = "written") -> InputError:
    """An OSError of the write as a plain message naming the user's path (exit 2, never 'a bug')."""
    what = _PLAIN.get(exc.errno or 0, exc.strerror or str(exc))
    return refuse(path, f"cannot be {verb}: {what}; nothing was written")
