"""The launch scripts as a user copies them (``--dry-run``: the commands they would run), the
workdir mirror of :mod:`seaice_jax.train.sync`, and a URL workdir refused without a ``./gs:``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from seaice_jax.errors import SeaIceError
from seaice_jax.train.sync import ALWAYS_COPY_BYTES, is_url, sync

LAUNCH = Path(__file__).resolve().parents[1] / "launch"
SCRIPTS = ("single_gpu.sh", "multi_gpu.sh", "slurm_multihost.sbatch", "tpu_vm.sh")


def _dry(script: str, *args: str, cwd: Path, **env) -> list[str]:
    """The lines a script prints with --dry-run (run from ``cwd``, a scratch folder)."""
    ours = ("SEAICE_JAX", "DATA_FROM", "PREPARED", "LOCAL_ROOT", "SYNC_EVERY", "DRY_RUN", "REPO")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", *ours))}
    full.update(SEAICE_JAX="seaice-jax", LOCAL_ROOT="/scratch/l", **env)
    r = subprocess.run(
        ["bash", str(LAUNCH / script), "--dry-run", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


@pytest.mark.parametrize("script", SCRIPTS + ("common.sh", "local_two_process.sh"))
def test_scripts_parse(script):
    subprocess.run(["bash", "-n", str(LAUNCH / script)], check=True)


@pytest.mark.parametrize("script", ("single_gpu.sh", "multi_gpu.sh"))
def test_dry_run_cloud_workdir_is_mirrored(script, tmp_path):
    lines = _dry(
        script,
        "configs/sic_s1.py:paper",
        "gs://bucket/runs/s1",
        "--config.seed=1",
        cwd=tmp_path,
        SEAICE_JAX_VENV="/opt/venv",
        PREPARED="gs://bucket/prepared_s1",
        DATA_FROM="gs://bucket/data",
        SEAICE_JAX_DATA="/scratch/data",
    )
    assert lines[0] == "+ source /opt/venv/bin/activate"
    assert "+ seaice-jax sync gs://bucket/data /scratch/data" in lines
    assert "+ seaice-jax sync gs://bucket/prepared_s1 /scratch/l/prepared" in lines
    assert "+ seaice-jax sync gs://bucket/runs/s1 /scratch/l/runs/s1" in lines  # pull (resume)
    push = [ln for ln in lines if "sync /scratch/l/runs/s1 gs://bucket/runs/s1" in ln]
    assert len(push) == 1 and "every 600 s" in push[0]
    assert lines[-1] == (
        "+ seaice-jax train --config configs/sic_s1.py:paper --workdir /scratch/l/runs/s1 "
        "--config.data.prepared_dir=/scratch/l/prepared --config.seed=1"
    )
    assert not any(tmp_path.iterdir())  # a dry run writes nothing (no ./gs: folder)


def test_dry_run_local_workdir_and_slurm(tmp_path):
    lines = _dry("single_gpu.sh", "configs/sic_s1.py:paper", "runs/s1", cwd=tmp_path)
    assert lines == [
        "+ seaice-jax --version",
        "+ seaice-jax train --config configs/sic_s1.py:paper --workdir runs/s1",
    ]
    lines = _dry(
        "slurm_multihost.sbatch",
        "configs/sic_rcm.py:paper",
        "/shared/rcm",
        cwd=tmp_path,
        PREPARED="/shared/prep",
    )
    assert lines[-1] == (
        "+ srun --kill-on-bad-exit=1 seaice-jax train --config configs/sic_rcm.py:paper "
        "--workdir /shared/rcm --config.data.prepared_dir=/shared/prep"
    )


def test_dry_run_tpu_vm(tmp_path):
    lines = _dry(
        "tpu_vm.sh", "my-tpu", "us-central2-b", "configs/sic_s1.py:paper", "gs://b/s1",
        cwd=tmp_path, PREPARED="gs://b/prep",
    )  # fmt: skip
    text = "\n".join(lines)
    assert lines[0].startswith("+ gcloud compute tpus tpu-vm ssh my-tpu --zone us-central2-b")
    assert "--worker=all" in lines[0] and "pip install -q -e \\'.[tpu,cloud]\\'" in text
    assert "PREPARED=gs://b/prep launch/multi_gpu.sh configs/sic_s1.py:paper gs://b/s1" in text


def test_sync_copies_new_and_changed_files(tmp_path):
    src, dst = tmp_path / "run", tmp_path / "mirror"
    (src / "checkpoints" / "6").mkdir(parents=True)
    (src / "prepared").mkdir()
    (src / "summary.json").write_text('{"steps": 6}')
    big = src / "checkpoints" / "6" / "state.bin"
    big.write_bytes(b"a" * ALWAYS_COPY_BYTES)
    (src / "prepared" / "x.npy").write_bytes(b"x")
    assert sync(tmp_path / "absent", dst) == []
    assert sync(src, dst, exclude=("prepared",)) == ["checkpoints/6/state.bin", "summary.json"]
    assert not (dst / "prepared").exists() and (dst / "summary.json").read_text() == '{"steps": 6}'
    (src / "summary.json").write_text('{"steps": 9}')  # same size, rewritten: copied again
    assert sync(src, dst, exclude=("prepared",)) == ["summary.json"]  # the large file is skipped
    assert (dst / "summary.json").read_text() == '{"steps": 9}'
    with pytest.raises(SeaIceError, match="is a file"):
        sync(src / "summary.json", dst)


def test_url_workdir_is_refused_without_a_local_gs_folder(cli, tmp_path, monkeypatch):
    assert is_url("gs://b/run") and is_url("s3://b/run") and not is_url("runs/gs:x")
    monkeypatch.chdir(tmp_path)
    rc, _, err = cli("train", "--config", "configs/sic_s1.py:smoke", "--workdir", "gs://bucket/run")
    assert rc == 2 and "gs://bucket/run" in err and "seaice-jax sync" in err
    assert err.count("\n") == 1 and not any(tmp_path.iterdir())


def test_sync_command(cli, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.txt").write_text("x")
    rc, _, err = cli("-v", "sync", tmp_path / "a", tmp_path / "b")
    assert rc == 0 and (tmp_path / "b" / "f.txt").read_text() == "x" and "f.txt" in err
