"""Bad inputs across the CLI: one line on stderr, exit 2, no traceback, nothing written or lost.

The catalogue lives in ``tests/reliability_cases.py`` (and, rendered, in
``docs/troubleshooting.md``). Every case runs in-process twice (without and with a good output
already on disk); the cases marked ``subprocess`` also run as a real ``python -m seaice_jax``.
A full disk is simulated with ``RLIMIT_FSIZE`` in a child process (writes then fail with EFBIG,
as they fail with ENOSPC on a full disk) and, where this user may mount, with a tiny tmpfs.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_cases import CASES, RRDP, Case, troubleshooting_markdown

REPO = Path(__file__).resolve().parents[1]
GOOD = b"previous good output\n"


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root``: kind, and a content hash for regular files (FIFOs unread)."""
    snap = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        if stat.S_ISREG(st.st_mode):
            snap[str(p.relative_to(root))] = ("f", hashlib.sha1(p.read_bytes()).hexdigest())
        else:
            snap[str(p.relative_to(root))] = (stat.S_IFMT(st.st_mode),)
    return snap


def child_env() -> dict[str, str]:
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=str(REPO))
    env.pop("PYTHONWARNINGS", None)
    return env


def run_process(argv: list, *, fsize: int | None = None, cwd=None) -> tuple[int, str]:
    """``python -m seaice_jax ARGV`` as a child process (optionally under RLIMIT_FSIZE).

    The limit is set by the child itself before it imports anything (a ``preexec_fn`` would fork
    this multithreaded, JAX-importing interpreter).
    """
    code = (
        "import resource, runpy, sys\n"
        "n = int(sys.argv.pop(1))\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))\n"
        "runpy.run_module('seaice_jax', run_name='__main__', alter_sys=True)\n"
    )
    head = ["-c", code, str(fsize)] if fsize is not None else ["-m", "seaice_jax"]
    r = subprocess.run(
        [sys.executable, *head, *map(str, argv)],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=cwd,
        timeout=300,
    )
    return r.returncode, r.stderr


def assert_one_line_error(rc: int, err: str, expect: str) -> None:
    assert rc == 2, f"exit status {rc}, stderr: {err}"
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err}"
    assert lines[0].startswith("seaice-jax: error: "), lines[0]
    assert expect in lines[0], f"{expect!r} not in {lines[0]!r}"


def _out_can_hold(case: Case, tmp: Path) -> bool:
    """Whether the output path can be pre-filled with a good file (not a folder, FIFO, ...)."""
    if case.out is None:
        return False
    out = tmp / case.out
    return out.parent.is_dir() and not out.exists()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path, data_dir, cli):
    argv = case.make(tmp_path, data_dir)
    assert [str(a) for a in argv[: len(case.cmd.split())]] == case.cmd.split()
    before = snapshot(tmp_path)
    rc, _, err = cli(*argv)
    assert_one_line_error(rc, err, case.expect)
    assert snapshot(tmp_path) == before, "the failed run created, changed or left files"
    if _out_can_hold(case, tmp_path):
        (tmp_path / case.out).write_bytes(GOOD)
        before = snapshot(tmp_path)
        rc, _, err = cli(*argv)
        assert_one_line_error(rc, err, case.expect)
        assert (tmp_path / case.out).read_bytes() == GOOD
        assert snapshot(tmp_path) == before


SUBPROCESS = [c for c in CASES if c.subprocess]


@pytest.mark.parametrize("case", SUBPROCESS, ids=[c.id for c in SUBPROCESS])
def test_bad_input_as_process(case: Case, tmp_path, data_dir):
    argv = case.make(tmp_path, data_dir)
    if _out_can_hold(case, tmp_path):
        (tmp_path / case.out).write_bytes(GOOD)
    before = snapshot(tmp_path)
    rc, err = run_process(argv)
    assert_one_line_error(rc, err, case.expect)
    assert snapshot(tmp_path) == before


def test_catalogue_is_large_and_distinct():
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({c.cmd for c in CASES}) >= 5  # spread over the CLI, not one command


def test_troubleshooting_doc_is_current():
    doc = REPO / "docs" / "troubleshooting.md"
    assert doc.read_text() == troubleshooting_markdown(), (
        "docs/troubleshooting.md is stale: "
        "PYTHONPATH=. /work/venv/bin/python tests/reliability_cases.py > docs/troubleshooting.md"
    )


# ------------------------------------------------------------------------------- full disk


def test_full_disk_keeps_previous_output_and_leaves_no_temp(tmp_path, data_dir):
    """A write that fails half-way (file size limit: EFBIG, like ENOSPC) is a one-line error."""
    out = tmp_path / "nt.nc"
    out.write_bytes(GOOD)
    rc, err = run_process(["nasateam", "--input", data_dir / RRDP, "--out", out], fsize=20_000)
    assert_one_line_error(rc, err, "nt.nc: cannot write output")
    assert out.read_bytes() == GOOD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nt.nc"]


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 16 KiB tmpfs (root only); skipped where mounting is not allowed (the RLIMIT test stays)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mnt)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root): full disk covered by RLIMIT_FSIZE")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=True)  # -l: HDF5 may hold the fd


def test_full_tmpfs(tiny_tmpfs, data_dir, cli):
    out = tiny_tmpfs / "nt.nc"
    out.write_bytes(GOOD)
    rc, _, err = cli("nasateam", "--input", data_dir / RRDP, "--out", out)
    assert_one_line_error(rc, err, "nt.nc: cannot write output")
    assert out.read_bytes() == GOOD
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["nt.nc"]
