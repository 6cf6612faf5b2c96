"""The README's example and the scripts in examples/ run as written."""

import re
import runpy
import sys
from importlib import metadata
from pathlib import Path

import pytest
import torch

from mtl_sklearn.__main__ import main

ROOT = Path(__file__).parents[1]


def _pinned_versions_differ():
    """The packages whose installed version differs from constraints.txt (README's figures come from it)."""
    pins = dict(
        line.split("==")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    installed = {name: metadata.version(name) for name in ("numpy", "scikit-learn", "skorch")}
    installed["torch"] = metadata.version("torch").split("+")[0]
    return sorted(name for name, version in installed.items() if pins.get(name, version) != version)


def test_readme_example_prints_what_readme_says(capsys):
    # README's first example, run as written; each print's output is the comment block under it, as
    # printed with the versions of constraints.txt (other versions train to slightly other figures)
    if differ := _pinned_versions_differ():
        pytest.skip(f"not the versions of constraints.txt: {', '.join(differ)}")
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.DOTALL).group(1)
    expected, lines = [], code.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("print("):
            for comment in lines[i + 1 :]:
                if not comment.startswith("#"):
                    break
                expected.append(comment[2:].rstrip())
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # as README's figures were printed
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        torch.set_num_threads(threads)
    printed = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    assert printed == expected


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name)
def test_example_runs(script, tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    if re.search(r"\bskfp\b|load_tox21_fingerprints", script.read_text()):
        pytest.importorskip("skfp", reason="needs the chem extra")
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # examples save their figures in the working folder
    runpy.run_path(str(script), run_name="__main__")


@pytest.mark.slow
def test_penguins_job_prints_the_per_task_table(capsys):
    main(["penguins"])
    out = capsys.readouterr().out
    assert all(task in out for task in ("species", "island", "sex"))


@pytest.mark.slow
def test_tox21_job_prints_the_per_task_roc_auc(capsys):
    pytest.importorskip("skfp", reason="the Tox21 job needs the chem extra")
    main([])
    out = capsys.readouterr().out
    assert "7,823 molecules (8 SMILES RDKit cannot parse left out)" in out
    assert all(task in out for task in ("NR-AR", "SR-p53", "mean"))


def test_tox21_job_without_the_chem_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "skfp", None)  # import skfp fails
    monkeypatch.setitem(sys.modules, "skfp.fingerprints", None)
    with pytest.raises(SystemExit, match=r"pip install -c constraints.txt '.\[chem\]'"):
        main(["tox21"])
