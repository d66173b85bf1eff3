"""Start-up: `xlplugin --help` and `xlplugin rates` as whole processes against `python -c pass`.

Why: the command line is run once per question ("what does 62 of 669 give?"), so its start-up is
most of what a user waits for. The CLI imports the report writer and refresh only inside the
commands that need them; these figures check that `--help` and `rates` stay close to the bare
interpreter (aim <= 3x) and that neither imports openpyxl, xlwings or XlsxWriter.

Measured as a user's install runs: with bytecode caches. The children get the environment without
PYTHONDONTWRITEBYTECODE (some sandboxes set it, which makes every run recompile every module) and
with PYTHONPYCACHEPREFIX in a temporary folder, so nothing is written into the source tree. Each
round runs every command once, in rotating order, after one warm-up round; ratios are of medians.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import run_process, runs

ROOT = Path(__file__).resolve().parent.parent
MET_CSV = ROOT / "workbooks" / "examples" / "met-2020-visits.csv"
MET_SPEC = ROOT / "workbooks" / "examples" / "met-2020-visits.toml"
ROUNDS = runs(15)
HEAVY = ("openpyxl", "xlwings", "xlsxwriter", "defusedxml", "numpy", "pandas")

_PROBE = (
    "import sys\n"
    "from xlplugin.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
    "sys.stderr.write('HEAVY=' + repr(heavy))\n"
)


def _environment(cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _cli() -> list[str]:
    """The installed `xlplugin` script beside this Python (what users run), else `-m xlplugin.cli`."""
    script = Path(sys.executable).with_name("xlplugin")
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "xlplugin.cli"]


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    return run_process(cmd, env=env, cwd=ROOT)


def _heavy_imports(args: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env, cwd=ROOT)
    marker = done.stderr.rsplit("HEAVY=", 1)
    return eval(marker[1]) if len(marker) == 2 else ["(probe failed)"]  # noqa: S307 - our own repr of a list


def measure(rounds: int = ROUNDS) -> dict[str, float]:
    """Median seconds of each command (and the baseline) over `rounds` rotated rounds."""
    cache = tempfile.mkdtemp(prefix="xlplugin-bench-pyc-")
    try:
        env = _environment(cache)
        cli = _cli()
        commands = {
            "baseline": [sys.executable, "-c", "pass"],
            "help": [*cli, "--help"],
            "rates_csv": [*cli, "rates", str(MET_CSV)],
            "rates_spec": [*cli, "rates", str(MET_SPEC)],
        }
        for cmd in commands.values():  # warm-up: bytecode caches and the file cache
            _timed(cmd, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        for i in range(rounds):
            order = names[i % len(names) :] + names[: i % len(names)]
            for name in order:
                times[name].append(_timed(commands[name], env))
        medians = {name: statistics.median(values) for name, values in times.items()}
        medians["heavy_help"] = _heavy_imports(["--help"], env)
        medians["heavy_rates"] = _heavy_imports(["rates", str(MET_SPEC)], env)
        return medians
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def run() -> list[dict]:
    m = measure()
    base = m["baseline"]

    def heavy(key: str) -> str:
        found = m[key]
        return "imports none of " + "/".join(HEAVY[:3]) if not found else "IMPORTS " + ", ".join(found)

    via = "xlplugin script" if Path(sys.executable).with_name("xlplugin").exists() else "python -m xlplugin.cli"
    return [
        {
            "benchmark": "xlplugin --help start-up",
            "baseline": "python -c pass",
            "ratio": m["help"] / base,
            "aim": "<= 3x",
            "notes": f"{m['help'] * 1000:.0f} ms vs {base * 1000:.0f} ms; {via}; {heavy('heavy_help')}",
        },
        {
            "benchmark": "xlplugin rates, Met CSV",
            "baseline": "python -c pass",
            "ratio": m["rates_csv"] / base,
            "aim": "<= 3x",
            "notes": f"{m['rates_csv'] * 1000:.0f} ms vs {base * 1000:.0f} ms",
        },
        {
            "benchmark": "xlplugin rates, Met spec (TOML, claims)",
            "baseline": "python -c pass",
            "ratio": m["rates_spec"] / base,
            "aim": "<= 3x",
            "notes": f"{m['rates_spec'] * 1000:.0f} ms vs {base * 1000:.0f} ms; {heavy('heavy_rates')}",
        },
    ]


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
