"""The README's example and the scripts in examples/ run as written."""

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def test_readme_example_runs(capsys):
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.DOTALL).group(1)
    exec(compile(code, "README.md", "exec"), {})
    assert "'species'" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name)
def test_example_runs(script, tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # examples save their figures in the working folder
    runpy.run_path(str(script), run_name="__main__")


@pytest.mark.slow
def test_main_job_prints_the_per_task_table(capsys):
    runpy.run_module("mtl_sklearn", run_name="__main__")
    out = capsys.readouterr().out
    assert all(task in out for task in ("species", "island", "sex"))
