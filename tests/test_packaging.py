"""A package ready to publish: licence, type marker, metadata, extras, reproducible workbooks, a wheel.

The slow test `git clone`s the repository (the commit under test, HEAD, plus any uncommitted
changes to tracked files as `git diff HEAD`; untracked files are left out, as a clean clone has
them), builds the sdist and the wheel there, checks both with `twine check` (which also renders the
README as PyPI does), installs the wheel into a fresh virtual environment (no xlwings, no pandas)
and runs `xlplugin report` there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
from oracles import oracle, unavailable

ROOT = Path(__file__).resolve().parents[1]
MET = Path(__file__).parent / "data" / "examples" / "met-2020-visits.toml"
HIDE_XLWINGS = "import sys; sys.modules['xlwings'] = None\n"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_licence_type_marker_and_changelog_exist():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "WITHOUT WARRANTY" in licence
    assert (ROOT / "xlplugin" / "py.typed").exists()
    assert "py.typed" in _pyproject()["tool"]["setuptools"]["package-data"]["xlplugin"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    from xlplugin import __version__

    assert f"## {__version__}" in changelog or "## Unreleased" in changelog


def test_metadata_classifiers_urls_and_extras():
    project = _pyproject()["project"]
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]
    assert "Typing :: Typed" in project["classifiers"]
    # no public home is known yet: no project URL rather than one that points at PyPI itself
    assert not any("pypi.org" in url for url in project.get("urls", {}).values())
    assert not any(d.lower().startswith("xlwings") for d in project["dependencies"])
    assert any(d.startswith("xlwings") for d in project["optional-dependencies"]["excel"])
    assert any(d.startswith("pandas") for d in project["optional-dependencies"]["pandas"])


def test_udfs_without_xlwings_say_which_extra():
    code = HIDE_XLWINGS + "import xlplugin.udfs\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError") and 'pip install "xlplugin[excel]"' in last


def test_udfs_with_xlwings_import_cleanly():
    oracle("xlwings")
    done = subprocess.run(
        [sys.executable, "-c", "import xlplugin.udfs as u; print(u.UPTAKE_RATE(62, 669))"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) == pytest.approx(62 / 669, abs=1e-15)


def test_command_line_and_api_work_without_xlwings(tmp_path):
    code = (
        HIDE_XLWINGS + "import sys, xlplugin\nfrom xlplugin.cli import main\n"
        f"rc = main(['report', {str(MET)!r}, '-o', {str(tmp_path / 'r.ods')!r}])\n"
        f"rows = xlplugin.funnel_table({str(MET)!r}, as_frame=False)\n"
        "sys.exit(rc or (0 if rows[1]['rate'] == 0.669 else 3))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.ods").exists()


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_source_date_epoch_gives_identical_workbooks(tmp_path, suffix):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1623888000"}  # 2021-06-17T00:00:00Z
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}{suffix}"
        cmd = [sys.executable, "-m", "xlplugin.cli", "report", str(MET), "-o", str(out)]
        subprocess.run(cmd, check=True, env=env, capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    with zipfile.ZipFile(tmp_path / f"a{suffix}") as package:
        meta = package.read("docProps/core.xml" if suffix == ".xlsx" else "meta.xml").decode()
    assert "2021-06-17T00:00:00Z" in meta
    bad = subprocess.run(
        [sys.executable, "-m", "xlplugin.cli", "report", str(MET), "-o", str(tmp_path / f"c{suffix}")],
        env={**os.environ, "SOURCE_DATE_EPOCH": "yesterday"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "SOURCE_DATE_EPOCH" in bad.stderr and "Traceback" not in bad.stderr


def _index_reachable(python: Path, folder: Path) -> bool:
    probe = subprocess.run(
        [str(python), "-m", "pip", "download", "--no-deps", "--dest", str(folder), "defusedxml==0.7.1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return probe.returncode == 0


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _clean_clone(dest: Path) -> Path:
    """A `git clone` of this repository at HEAD, with the uncommitted changes to tracked files applied."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        unavailable("not a git checkout (or no git): there is no clean clone to build from")
    head = _git("rev-parse", "HEAD").strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(dest)], check=True, capture_output=True)
    _git("checkout", "--quiet", head, cwd=dest)
    diff = subprocess.run(["git", "diff", "--binary", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
    if diff:
        subprocess.run(["git", "apply", "--whitespace=nowarn"], cwd=dest, input=diff, check=True, capture_output=True)
    return dest


@pytest.mark.slow
def test_wheel_from_a_clean_clone_passes_twine_installs_and_runs(tmp_path, monkeypatch):
    # the fresh venv must see only the wheel: a PYTHONPATH naming a source tree would make pip
    # take xlplugin as installed already (and install no `xlplugin` script)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    oracle("build")  # the test extra installs both: under CI=true their absence fails
    oracle("twine")
    source = _clean_clone(tmp_path / "src")
    assert not (source / ".venv").exists() and (source / "pyproject.toml").exists()
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    if not _index_reachable(python, tmp_path / "probe"):
        unavailable("the package index is unreachable", ": the wheel's dependencies cannot be installed")
    dist = tmp_path / "dist"
    # `python -m build` as a publisher runs it: an isolated build (setuptools from the index)
    built = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = dist.glob("xlplugin-*.whl")
    (sdist,) = dist.glob("xlplugin-*.tar.gz")
    # twine check: the metadata is complete and the README renders as PyPI's long description
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2, checked.stdout
    with zipfile.ZipFile(wheel) as package:
        names = package.namelist()
        metadata = package.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "xlplugin/py.typed" in names
    assert any(n.endswith("LICENSE") and ".dist-info/" in n for n in names), names
    assert "Classifier: License :: OSI Approved :: MIT License" in metadata
    assert "Provides-Extra: excel" in metadata and 'Requires-Dist: xlwings>=0.33; extra == "excel"' in metadata
    assert not any(line.startswith("Requires-Dist: xlwings") and "extra" not in line for line in metadata.splitlines())
    assert "Description-Content-Type: text/markdown" in metadata

    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    out = tmp_path / "met.xlsx"
    run = subprocess.run(
        [str(bindir / "xlplugin"), "report", str(MET), "-o", str(out), "--timestamp", "2021-06-17"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert zipfile.is_zipfile(out)
    udfs = subprocess.run([str(python), "-c", "import xlplugin.udfs"], capture_output=True, text=True, cwd=tmp_path)
    assert udfs.returncode == 1 and 'pip install "xlplugin[excel]"' in udfs.stderr
    api = subprocess.run(
        [str(python), "-c", f"import xlplugin; print(xlplugin.funnel_table({str(MET)!r})[1]['rate'])"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert api.returncode == 0 and api.stdout.strip() == "0.669", api.stderr
