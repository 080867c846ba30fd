"""Data catalogue and ``seaice-jax fetch``: checksums of the real samples, resolution order, and
downloads from a local HTTP server on 127.0.0.1 (a copy of a sample in tmp_path)."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import shutil
import threading

import pytest

from seaice_jax.errors import SeaIceError
from seaice_jax.io import catalog


def test_every_sample_file_is_catalogued_with_its_sha256(data_dir):
    listed = {f"{e.folder}/{f.path}": f for e in catalog.SAMPLES for f in e.files}
    on_disk = {
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert on_disk == set(listed)
    for rel, f in listed.items():
        assert catalog.sha256(data_dir / rel) == f.sha256, rel
        assert (data_dir / rel).stat().st_size == f.size
        assert f.url.startswith("https://raw.githubusercontent.com/")


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1 (random port); yields (www folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(www))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _local_entry(monkeypatch, base):
    entry = catalog.get("osisaf_sic")
    f = dataclasses.replace(entry.files[0], url=f"{base}/cf_nh25km.nc")
    monkeypatch.setattr(catalog, "SAMPLES", (dataclasses.replace(entry, files=(f,)),))
    return f


def test_download_from_local_server_then_cache(data_dir, tmp_path, server, monkeypatch, cli):
    www, base = server
    shutil.copy(data_dir / "osisaf_sic" / "cf_nh25km.nc", www / "cf_nh25km.nc")
    f = _local_entry(monkeypatch, base)
    monkeypatch.setenv("SEAICE_JAX_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("SEAICE_JAX_CACHE", str(tmp_path / "cache"))
    with pytest.raises(SeaIceError, match="neither in SEAICE_JAX_DATA"):
        catalog.fetch("osisaf_sic", download=False)
    (path,) = catalog.fetch("osisaf_sic")
    assert path == tmp_path / "cache" / "osisaf_sic" / "cf_nh25km.nc"
    assert catalog.sha256(path) == f.sha256
    (www / "cf_nh25km.nc").unlink()  # now only the cache has it
    rc, out, _ = cli("fetch", "osisaf_sic")
    assert rc == 0 and out.strip() == str(path)


def test_checksum_mismatch_on_download_is_one_line(data_dir, tmp_path, server, monkeypatch, cli):
    www, base = server
    data = bytearray((data_dir / "osisaf_sic" / "cf_nh25km.nc").read_bytes())
    data[5000] ^= 0xFF
    (www / "cf_nh25km.nc").write_bytes(bytes(data))
    _local_entry(monkeypatch, base)
    monkeypatch.setenv("SEAICE_JAX_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("SEAICE_JAX_CACHE", str(tmp_path / "cache"))
    rc, out, err = cli("fetch", "osisaf_sic")
    last = err.strip().splitlines()[-1]  # above it only the download progress bar
    assert (
        rc == 2
        and "checksum mismatch" in last
        and "Traceback" not in err
        and "Logging error" not in err
    )
    assert not (tmp_path / "cache" / "osisaf_sic" / "cf_nh25km.nc").exists()


def test_corrupt_local_copy_is_reported(data_dir, tmp_path, monkeypatch):
    local = tmp_path / "data" / "osisaf_sic"
    local.mkdir(parents=True)
    (local / "cf_nh25km.nc").write_bytes(b"not the file")
    monkeypatch.setenv("SEAICE_JAX_DATA", str(tmp_path / "data"))
    with pytest.raises(SeaIceError, match="cf_nh25km.nc: checksum mismatch"):
        catalog.fetch("osisaf_sic", download=False)


def test_resolves_from_seaice_jax_data_first(data_dir, monkeypatch):
    monkeypatch.setenv("SEAICE_JAX_DATA", str(data_dir))
    paths = catalog.fetch("glia_s1_ew_belgica", download=False)
    assert len(paths) == 16 and all(str(p).startswith(str(data_dir)) for p in paths)


def test_products_and_errors(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SEAICE_JAX_CACHE", str(tmp_path))
    rc, out, _ = cli("fetch", "--list")
    assert rc == 0 and all(
        n in out for n in ("osisaf_sic_nh", "nsidc0051", "ai4arctic", "sentinel1")
    )
    for args, msg in ((("fetch", "nope"), "unknown data set 'nope'"),
                      (("fetch", "sentinel1"), "needs a (free) account"),
                      (("fetch", "osisaf_sic_nh"), "give --date"),
                      (("fetch", "osisaf_sic_nh", "--date", "2021-9"), "expected YYYY-MM-DD"),
                      (("fetch", "osisaf_sic_nh", "--date", "2021-09-01", "--offline"), "is not in")):  # fmt: skip
        rc, _, err = cli(*args)
        assert rc == 2 and msg in err and err.count("\n") == 1, (args, err)
    e = catalog.get("osisaf_sic_nh")
    assert e.url_template.format(Y="2021", m="09", d="01").endswith("_202109011200.nc")
