"""A wheel builds from the repository, installs into a fresh virtual environment and runs there.

``python -m build --wheel``, then ``pip install`` of the wheel (its dependencies from the package index) into a new
venv, then ``mutual-state --version`` and ``mutual-state run --steps 12`` from a folder outside the checkout, so
that only the installed package (with its data files: the parameter registry's TOML, the calibration targets)
can answer. About a minute on two cores, most of it pip installing the dependencies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("build", reason="the dev extra has the build frontend")
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_installs_into_a_fresh_environment_and_runs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)], check=True,
                   capture_output=True, env=env)
    wheels = list(dist.glob("mutual_state-*.whl"))
    assert len(wheels) == 1, wheels
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # --no-compile: byte-compiling the dependencies' sources costs a third of the install and tests nothing here
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-compile",
                              "--disable-pip-version-check", str(wheels[0])], capture_output=True, text=True, env=env)
    assert install.returncode == 0, install.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    shown = subprocess.run([str(venv / "bin" / "mutual-state"), "--version"], capture_output=True, text=True,
                           cwd=elsewhere, env=env)
    assert shown.stdout.strip() == f"mutual-state {version}", shown.stdout + shown.stderr
    run = subprocess.run([str(venv / "bin" / "mutual-state"), "run", "--steps", "12"], capture_output=True,
                         text=True, cwd=elsewhere, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "participation_rate" in run.stdout
    where = subprocess.run([str(python), "-c", "import sim; print(sim.__file__)"], capture_output=True, text=True,
                           cwd=elsewhere, env=env)
    assert str(venv) in where.stdout, f"sim was imported from {where.stdout}, not from the installed wheel"
