"""The file the user has: owner, group, mode, ACL, xattrs, links, locks, umask, errors, Ctrl-C, leftovers.

Every case goes through the command line (`xlplugin.cli.main`), whose exit status and message
are the promise; the file-system facts are read back with os.stat, os.getxattr and getfacl.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from helpers import write

from xlplugin.cli import main
from xlplugin.core.errors import InputError
from xlplugin.ooxml import atomic

DATA = Path(__file__).parent / "data" / "xlsx"
SMALL = DATA / "calamine__table-multiple.xlsx"
CSV = "Region,Amount\nNorth,1\nSouth,2\n"
FUNNEL = "stage,count\nIdentified,1000\nVisited,669\n"
OTHER_UID = 1234
OTHER_GID = 1234

as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (chown)")


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "book.xlsx"
    shutil.copyfile(SMALL, path)
    return path


@pytest.fixture
def csv(tmp_path) -> Path:
    return write(tmp_path / "new.csv", CSV)


def _table_refresh(book: Path, csv: Path, *extra: str) -> int:
    return main(["refresh", str(book), str(csv), "--table", "Fresh", *extra])


def _has_fresh(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return any(b'name="Fresh"' in zf.read(n) for n in zf.namelist() if "tables/" in n)


def _acl(path: Path) -> str:
    return subprocess.run(["getfacl", "-cp", str(path)], capture_output=True, text=True, check=True).stdout


# --------------------------------------------------------------------------------------------
# owner, group, mode, ACL, extended attributes


@as_root
@pytest.mark.skipif(shutil.which("setfacl") is None, reason="needs setfacl (package acl)")
def test_root_keeps_another_users_owner_group_mode_acl_and_xattr(book, csv):
    os.chown(book, OTHER_UID, OTHER_GID)
    os.chmod(book, 0o600)
    subprocess.run(["setfacl", "-m", "u:4321:r", str(book)], check=True)
    os.setxattr(book, "user.origin", b"foi-team")
    acl_before = _acl(book)
    assert "user:4321:r--" in acl_before
    assert _table_refresh(book, csv) == 0
    st = os.stat(book)
    assert (st.st_uid, st.st_gid) == (OTHER_UID, OTHER_GID)
    assert _acl(book) == acl_before
    assert oct(st.st_mode & 0o7777) == oct(os.stat(book).st_mode & 0o7777)
    assert os.getxattr(book, "user.origin") == b"foi-team"
    assert _has_fresh(book)
    # the ACL's mask keeps the group bits as they were (0600 plus a named-user entry: mask r--)
    assert "mask::r--" in _acl(book)


@as_root
def test_root_keeps_plain_0600_owner_and_mode(book, csv):
    os.chown(book, OTHER_UID, OTHER_GID)
    os.chmod(book, 0o600)
    assert _table_refresh(book, csv) == 0
    st = os.stat(book)
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (OTHER_UID, OTHER_GID, 0o600)


def _as_user(uid: int, gid: int, groups: list[int], argv: list[str], log: Path) -> int:
    """Run the command line in a forked child that has become an unprivileged user."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            sys.stderr = open(log, "w", encoding="utf-8")  # noqa: SIM115 - the child exits below
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            code = main(argv)
        finally:
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.fixture
def shared_folder():
    """A folder other users can reach (pytest's own is private to root), removed afterwards."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="xlplugin-test-"))
    folder.chmod(0o777)
    shutil.copyfile(SMALL, folder / "book.xlsx")
    (folder / "new.csv").write_text(CSV, encoding="utf-8")
    (folder / "new.csv").chmod(0o644)
    yield folder
    shutil.rmtree(folder)


@as_root
def test_unprivileged_user_never_takes_a_colleagues_workbook(shared_folder):
    """A group-writable workbook of user 1234: user 1235 (in its group) is refused, not handed the file."""
    tmp_path, book, csv = shared_folder, shared_folder / "book.xlsx", shared_folder / "new.csv"
    os.chown(book, OTHER_UID, OTHER_GID)
    os.chmod(book, 0o664)
    before = book.read_bytes()
    log = tmp_path / "log.txt"
    code = _as_user(1235, 1235, [OTHER_GID], ["refresh", str(book), str(csv), "--table", "Fresh"], log)
    assert code == 2, log.read_text()
    assert "belongs to user 1234 and group 1234" in log.read_text()
    st = os.stat(book)
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (OTHER_UID, OTHER_GID, 0o664)
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "log.txt", "new.csv"]


@as_root
def test_unprivileged_user_keeps_a_shared_group(shared_folder):
    """Their own workbook in a shared group keeps that group (the user is a member)."""
    tmp_path, book, csv = shared_folder, shared_folder / "book.xlsx", shared_folder / "new.csv"
    os.chown(book, 1235, OTHER_GID)
    os.chmod(book, 0o660)
    log = tmp_path / "log.txt"
    code = _as_user(1235, 1235, [OTHER_GID], ["refresh", str(book), str(csv), "--table", "Fresh"], log)
    assert code == 0, log.read_text()
    st = os.stat(book)
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (1235, OTHER_GID, 0o660)
    assert _has_fresh(book)


def test_report_force_keeps_0600(tmp_path):
    source = write(tmp_path / "f.csv", FUNNEL)
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")
    out.chmod(0o600)
    assert main(["report", str(source), "-o", str(out), "--force"]) == 0
    assert out.stat().st_mode & 0o7777 == 0o600
    assert zipfile.is_zipfile(out)


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_follow_the_umask(tmp_path, book, csv, mask, mode):
    source = write(tmp_path / "f.csv", FUNNEL)
    old = os.umask(mask)
    try:
        assert _table_refresh(book, csv, "-o", str(tmp_path / "out.xlsx")) == 0
        assert main(["report", str(source), "-o", str(tmp_path / "r.xlsx")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "out.xlsx").stat().st_mode & 0o7777 == mode
    assert (tmp_path / "r.xlsx").stat().st_mode & 0o7777 == mode


# --------------------------------------------------------------------------------------------
# links and read-only files


def test_symlinked_workbook_refreshes_the_real_file_and_the_link_stays(tmp_path, csv):
    real_folder = tmp_path / "shared"
    real_folder.mkdir()
    real = real_folder / "real.xlsx"
    shutil.copyfile(SMALL, real)
    link = tmp_path / "book.xlsx"
    link.symlink_to(real)
    assert _table_refresh(link, csv) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert _has_fresh(real)
    assert [p.name for p in real_folder.iterdir()] == ["real.xlsx"]


def test_hard_linked_workbook_is_refused_unless_forced(tmp_path, book, csv, capsys):
    other = tmp_path / "other-name.xlsx"
    os.link(book, other)
    before = book.read_bytes()
    assert _table_refresh(book, csv) == 2
    assert "has 2 hard links" in capsys.readouterr().err
    assert book.read_bytes() == before and os.stat(book).st_nlink == 2
    assert _table_refresh(book, csv, "--force") == 0
    assert _has_fresh(book) and not _has_fresh(other)


def test_read_only_workbook_is_refused_unless_forced(book, csv, capsys):
    book.chmod(0o444)
    before = book.read_bytes()
    assert _table_refresh(book, csv) == 2
    assert "is read-only" in capsys.readouterr().err
    assert book.read_bytes() == before
    assert _table_refresh(book, csv, "--force") == 0
    assert _has_fresh(book)
    assert book.stat().st_mode & 0o777 == 0o444


# --------------------------------------------------------------------------------------------
# other programs' locks, exclusive creation


def test_libreoffice_lock_file_refuses(book, csv, capsys):
    (book.parent / ".~lock.book.xlsx#").write_text(",someone,host,01.12.2026 09:00,file:///x;")
    assert _table_refresh(book, csv) == 2
    assert "open in LibreOffice (its lock file .~lock.book.xlsx# is beside it)" in capsys.readouterr().err


def test_excel_lock_rule_is_exact(tmp_path, csv):
    """``~$book.xlsx`` means book.xlsx is open, not a_book.xlsx; long names lose two characters."""
    a_book = tmp_path / "a_book.xlsx"
    shutil.copyfile(SMALL, a_book)
    (tmp_path / "~$book.xlsx").write_bytes(b"x")
    assert atomic.lock_files(a_book) == []
    assert _table_refresh(a_book, csv) == 0
    assert atomic.lock_files(tmp_path / "book.xlsx") == [tmp_path / "~$book.xlsx"]
    long = tmp_path / "quarterly.xlsx"  # a stem of 9 characters
    (tmp_path / "~$arterly.xlsx").write_bytes(b"x")
    assert atomic.lock_files(long) == [tmp_path / "~$arterly.xlsx"]
    seven = tmp_path / "funnels.xlsx"
    (tmp_path / "~$unnels.xlsx").write_bytes(b"x")
    assert atomic.lock_files(seven) == [tmp_path / "~$unnels.xlsx"]


def test_new_file_is_created_exclusively(tmp_path):
    target = tmp_path / "new.xlsx"

    def write(handle):
        handle.write(b"mine")
        target.write_bytes(b"someone else's")  # another run created it meanwhile

    with pytest.raises(InputError, match="appeared while xlplugin was working"):
        atomic.write_file(target, write, replace=False)
    assert target.read_bytes() == b"someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.xlsx"]


def test_report_without_force_refuses_an_existing_file(tmp_path, capsys):
    source = write(tmp_path / "f.csv", FUNNEL)
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")
    assert main(["report", str(source), "-o", str(out)]) == 2
    assert out.read_bytes() == b"old"


def test_a_change_before_the_rename_refuses(book, csv):
    """Another program saving in place (same inode, new mtime and size) just before the rename."""
    from xlplugin.refresh import refresh_table

    before_write = atomic._write

    def sneaky(user_path, real, *args):
        with open(real, "ab") as handle:
            handle.write(b"\0")
        return before_write(user_path, real, *args)

    atomic._write = sneaky
    try:
        with pytest.raises(InputError, match="changed while xlplugin was working on it"):
            refresh_table(book, csv, "Fresh")
    finally:
        atomic._write = before_write
    assert not _has_fresh(book)


# --------------------------------------------------------------------------------------------
# the environment fails: plain messages naming the user's path, exit 2


@pytest.mark.parametrize(
    "number,words",
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "permission denied"),
        (errno.EDQUOT, "the disk quota is exceeded"),
    ],
)
def test_environment_failures_are_exit_2_naming_the_workbook(monkeypatch, book, csv, capsys, number, words):
    before = book.read_bytes()

    def failing(*args, **kwargs):
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr(os, "fsync", failing)
    assert _table_refresh(book, csv) == 2
    err = capsys.readouterr().err
    assert f"{book}: cannot be written: {words}; nothing was written" in err
    assert ".tmp" not in err and "bug" not in err
    monkeypatch.undo()
    assert book.read_bytes() == before
    assert [p.name for p in book.parent.iterdir() if p.name.startswith(".")] == []


def test_a_name_too_long_is_exit_2(tmp_path, book, csv, capsys):
    out = tmp_path / ("x" * 300 + ".xlsx")
    assert _table_refresh(book, csv, "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert "name is too long" in err and "bug" not in err


# --------------------------------------------------------------------------------------------
# Ctrl-C tells the truth


@pytest.mark.parametrize("step,replaced", [("flush", False), ("replace", False), ("fsync-folder", True)])
def test_ctrl_c_says_whether_the_file_was_replaced(tmp_path, step, replaced):
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"old")

    def hook(name):
        if name == step:
            raise KeyboardInterrupt

    with pytest.raises(atomic.WriteInterrupted) as caught:
        atomic.write_file(target, lambda h: h.write(b"new"), replace=True, hook=hook)
    assert caught.value.replaced is replaced
    assert target.read_bytes() == (b"new" if replaced else b"old")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]


def test_ctrl_c_after_the_rename_is_reported_by_the_command_line(monkeypatch, book, csv, capsys):
    def interrupted(folder):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "fsync_folder", interrupted)
    assert _table_refresh(book, csv) == 130
    err = capsys.readouterr().err
    assert "was replaced (the new version is complete)" in err and "nothing was written" not in err
    monkeypatch.undo()
    assert _has_fresh(book)


# --------------------------------------------------------------------------------------------
# what a killed run left behind


def test_stale_temp_files_and_scratch_folders_are_removed(tmp_path, book, csv, monkeypatch):
    import tempfile

    old = tmp_path / ".xlplugin-99999-deadbeef.tmp"
    fresh = tmp_path / ".xlplugin-99998-cafebabe.tmp"
    unrelated = tmp_path / ".xlplugin-notes.tmp"
    for path in (old, fresh, unrelated):
        path.write_bytes(b"partial")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    os.utime(unrelated, (hours_ago, hours_ago))
    temp_root = tmp_path / "systemp"
    temp_root.mkdir()
    scratch = temp_root / "xlplugin-refresh-abc123"
    scratch.mkdir()
    (scratch / "fresh.xlsx").write_bytes(b"x")
    os.utime(scratch, (hours_ago, hours_ago))
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    report_csv = write(tmp_path / "f.csv", FUNNEL)
    report = tmp_path / "r.xlsx"
    assert main(["report", str(report_csv), "-o", str(report)]) == 0
    assert not old.exists() and fresh.exists() and unrelated.exists()
    report_csv.write_text(FUNNEL.replace("669", "700"), encoding="utf-8")
    assert main(["refresh", str(report), str(report_csv)]) == 0
    assert not scratch.exists()


def test_refresh_makes_no_scratch_folder(monkeypatch, tmp_path):
    """Scratch work happens in memory or beside the target, never in a shared temp folder."""
    import tempfile

    def forbidden(*args, **kwargs):
        raise AssertionError("a shared temp folder was used")

    source = write(tmp_path / "f.csv", FUNNEL)
    report = tmp_path / "r.xlsx"
    assert main(["report", str(source), "-o", str(report)]) == 0
    monkeypatch.setattr(tempfile, "mkdtemp", forbidden)
    monkeypatch.setattr(tempfile, "mkstemp", forbidden)
    source.write_text(FUNNEL.replace("669", "700"), encoding="utf-8")
    assert main(["refresh", str(report), str(source), "--backup"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "r.bak.xlsx", "r.xlsx"]


def test_backup_is_the_old_file(book, csv):
    before = book.read_bytes()
    assert _table_refresh(book, csv, "--backup") == 0
    backup = book.with_name("book.bak.xlsx")
    assert backup.read_bytes() == before and _has_fresh(book)
    assert os.stat(book).st_nlink == 1 and os.stat(backup).st_nlink == 1
