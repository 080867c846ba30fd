"""Data catalogue: the real sample files and the full public products, with sources and checksums.

Every sample file of ``SEAICE_JAX_DATA`` (see its README) is listed with the public repository
file it came from, pinned to a commit, and its sha256. :func:`fetch` resolves a name to local files:
first ``$SEAICE_JAX_DATA/<folder>/``, then the cache (``$SEAICE_JAX_CACHE`` or pooch's OS cache
``seaice-jax``), then downloads with pooch and verifies the checksum. A checksum mismatch, local or
downloaded, is a one-line :class:`SeaIceError`.

The full products (OSI SAF, NSIDC-0051, AI4Arctic, Sentinel-1, RCM, AMSR2) are listed with their
access points; those served openly by date (OSI SAF via the MET Norway THREDDS server) download
with ``--date``, the others need an account and :func:`fetch` says where to get them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import pooch
import requests

from seaice_jax.errors import SeaIceError

GH = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


@dataclasses.dataclass(frozen=True)
class CatalogFile:
    """One file: ``path`` below the entry folder, its source ``url`` and ``sha256``.

    ``url_sha256`` is the checksum of the file at ``url`` when it differs from the sample's
    (the RRDP samples hold half the rows of the originals; None = not pinned).
    """

    path: str
    url: str
    sha256: str
    size: int
    url_sha256: str | None = "same"

    @property
    def download_sha256(self) -> str | None:
        return self.sha256 if self.url_sha256 == "same" else self.url_sha256


@dataclasses.dataclass(frozen=True)
class Entry:
    """A named data set: a sample folder (``files``) or a public product (``url_template``)."""

    name: str
    description: str
    licence: str
    folder: str = ""
    files: tuple[CatalogFile, ...] = ()
    url_template: str = ""
    landing: str = ""
    needs_account: bool = False


def _gh(repo: str, commit: str, pairs: list[tuple[str, str, str, int]], url_sha=None):
    return tuple(
        CatalogFile(
            local,
            GH.format(repo=repo, commit=commit, path=src),
            sha,
            size,
            "same" if url_sha is None else url_sha,
        )  # fmt: skip
        for local, src, sha, size in pairs
    )


_GLIA_SCENE = "S1A_EW_GRDM_1SDH_20220503T082621_20220503T082725_043044_0523D1_AF89_subsampled"
_GLIA = [
    (f"features/{_GLIA_SCENE}/IA.hdr", "284f0115d290b463b03fc5ead630acd74cb8a44a5c442161b025db931df61d51", 135),
    (f"features/{_GLIA_SCENE}/IA.img", "707fed4b156c32ac437ebe930f223c49f44320bb542e32472b5b39a480bc1ec6", 1999200),
    (f"features/{_GLIA_SCENE}/Sigma0_HH_db.hdr", "284f0115d290b463b03fc5ead630acd74cb8a44a5c442161b025db931df61d51", 135),
    (f"features/{_GLIA_SCENE}/Sigma0_HH_db.img", "b163afc0afb205050fe51f44a09db898d0a07b07c89afd88c3cab04e9a99f45a", 1999200),
    (f"features/{_GLIA_SCENE}/Sigma0_HV_db.hdr", "284f0115d290b463b03fc5ead630acd74cb8a44a5c442161b025db931df61d51", 135),
    (f"features/{_GLIA_SCENE}/Sigma0_HV_db.img", "10a430081529c41082fd2a612aef174e49d0181009d591f2f000b6d66b8aafcd", 1999200),
    (f"features/{_GLIA_SCENE}/landmask.hdr", "a6b19992a4bdb5765dddbabe49e480a46eeeba2b80b20791592e794923d378d6", 135),
    (f"features/{_GLIA_SCENE}/landmask.img", "705a8ca0c4b8365f06d66b0523b64c91fdd005c4a2f0e7c450d04e94893df481", 499800),
    (f"features/{_GLIA_SCENE}/valid.hdr", "a6b19992a4bdb5765dddbabe49e480a46eeeba2b80b20791592e794923d378d6", 135),
    (f"features/{_GLIA_SCENE}/valid.img", "50013e0c14e3a76d7e874aeec0e8d4e486c38bb1f71ecee5b43355b6f5a4a8b6", 499800),
    (f"results/{_GLIA_SCENE}_apost_uncertainty.hdr", "284f0115d290b463b03fc5ead630acd74cb8a44a5c442161b025db931df61d51", 135),
    (f"results/{_GLIA_SCENE}_apost_uncertainty.img", "981ea2319bd68f8c5ad0fa14601306d88fccf89d8dfbcf0d7a1bc89a062a216f", 1999200),
    (f"results/{_GLIA_SCENE}_labels.hdr", "a6b19992a4bdb5765dddbabe49e480a46eeeba2b80b20791592e794923d378d6", 135),
    (f"results/{_GLIA_SCENE}_labels.img", "9d76728a3561594f627f5cab2f71eaf682e1d59ca2d3328a2f242342b8efcb63", 499800),
    (f"results/{_GLIA_SCENE}_mahal_uncertainty.hdr", "284f0115d290b463b03fc5ead630acd74cb8a44a5c442161b025db931df61d51", 135),
    (f"results/{_GLIA_SCENE}_mahal_uncertainty.img", "29419a1bf9fae732326a2d935a3dddb12448876ac76eee0e2a3fbdc1d076e861", 1999200),
]  # fmt: skip
_S1 = "S1A_EW_SLC__1SDH_20210403T122536_20210403T122630_037286_046484_8152.SAFE"
_S1_FILES = [
    (f"{_S1}/manifest.safe", "0331a7cddc1f0657251e7a27dc74cce6dcab995d1beca6642c035901a8c03897", 51156),
    (f"{_S1}/annotation/s1a-ew1-slc-hh-20210403t122536-20210403t122628-037286-046484-001.xml",
     "97cdbb4707ca21b46933df54e9b79ebf4df4f00abcc1d3bd5bcafb7ebdd32cd3", 856799),
    (f"{_S1}/annotation/s1a-ew1-slc-hv-20210403t122536-20210403t122628-037286-046484-006.xml",
     "2075ff55ce2c74f5f3eee76ddff31a89f9e9ecb6a8eff736ebb4e69764e4d856", 855759),
]  # fmt: skip
_RRDP = "algorithm/sirrdp/"

SAMPLES: tuple[Entry, ...] = (
    Entry("glia_s1_ew_belgica", "Sentinel-1A EW GRDM HH/HV, Belgica Bank 2022-05-03, ENVI sigma0 dB + GLIA labels",
          "Copernicus Sentinel data; Lohse et al. 2020/2021", "glia_s1_ew_belgica",
          _gh("jlo031/GLIA", "a09e6361bb58e48ef45e5939371d3709225baccd",
              [(p, f"examples/test_data/{p}", s, n) for p, s, n in _GLIA])),
    Entry("esa_cci_sic_rrdp_amsr2", "ESA CCI SIC RRDP: AMSR2 TBs at SIC 100 % (2017) and 0 % (2012) points "
          "(the sample holds half of the rows of the originals)", "ESA CCI Sea Ice RRDP (DTU, DMI)",
          "esa_cci_sic_rrdp_amsr2",
          _gh("CIMR-Algos/SeaIceConcentration_ATBD_v2", "41baea815e026e768e5b5eb8eec551481fc544c3", [
              ("ASCAT-vs-AMSR2-vs-ERA5-vs-DTUSIC1-2017-N.text",
               _RRDP + "RRDP_v3.0/ASCAT-vs-AMSR2-vs-ERA5-vs-DTUSIC1-2017-N.text",
               "a297c9059b93c32a6e4517f386fd666259d263f09fc7596d4391573f21222107", 1617102),
              ("QSCAT-vs-SMAP-vs-SMOS-vs-ASCAT-vs-AMSR2-vs-ERA-vs-DMISIC0-2012-N.text",
               _RRDP + "RRDP_v2.0/DMI_SIC0_N/QSCAT-vs-SMAP-vs-SMOS-vs-ASCAT-vs-AMSR2-vs-ERA-vs-DMISIC0-2012-N.text",
               "1088a4cb7ea3f8f0446447efa5aa1598d62f620803989086dc99ca957a1d4cb1", 1862508)], url_sha="")),
    Entry("nsidc0051_nasateam", "NSIDC-0051 NASA Team SIC, F17 SSMIS, 2017-10-02, north 25 km, with lat/lon files",
          "NSIDC", "nsidc0051_nasateam",
          _gh("PMassicotte/read-rs-product", "022fb965b23f27c29fc14134e0af9a6f70047305", [
              ("nt_20171002_f17_v1.1_n.bin", "data/nsidc/nt_20171002_f17_v1.1_n.bin",
               "3bfe270b1f1155f1b635f62090ee32ac9765555941d9768a7467607e10c46fa0", 136492),
              ("psn25lats_v3.dat", "data/nsidc/psn25lats_v3.dat",
               "3a8690ddd1da10f2e9278a6fe7ecd6393575cf8ad34a923fdeeaadb30dc61a18", 544768),
              ("psn25lons_v3.dat", "data/nsidc/psn25lons_v3.dat",
               "82f0355fe52e4411d35dbd8dcafa5b6afede0f369664314b6f2ce3126d89c875", 544768)])),
    Entry("osisaf_sic", "OSI SAF SIC (climate-record style), 2019-09-10, EASE2 north 25 km, CF netCDF",
          "EUMETSAT OSI SAF", "osisaf_sic",
          _gh("pytroll/pyresample", "a2cefa7554342e850a38d403ebf50d846f1bc923", [
              ("cf_nh25km.nc", "pyresample/test/test_files/cf_nh25km.nc",
               "95db08456e3e74477a0887ee2d6a065b15306b99c696d026760f72e307f3ef49", 2281782)])),
    Entry("cis_sigrid3_shp", "Canadian Ice Service SIGRID-3 regional chart (shapefile + gridded .dex)",
          "Canadian Ice Service, Open Government Licence - Canada", "cis_sigrid3_shp",
          _gh("jeanlucshaw/shp2dex", "f764527c0c957f5fb600463a2e7718d8db9e0a1e", [
              (f"shapefile.{e}", f"shp2dex/data/shapefile.{e}", s, n) for e, s, n in (
                  ("dbf", "7b352e114ad2838bed671f279c9e60eb23bbc9753412743314599138521f9acd", 38830),
                  ("dex", "ec023c6037dda3e0dbbf35f1b4a35814c1720b18fa62b4b0f633300ac3781829", 1586733),
                  ("prj", "253d9d493fc4ac9294f7b4af5f42e38b2123fedd10accdcff560edc3ef6c95b2", 459),
                  ("shp", "bc87c322d8de2f93668f7761eb38f6679f8ab8aa954fc35e0e0f18cab994749e", 2399572),
                  ("shx", "f9a15d0854bf071c28fc02faa843bcb2989bc8c5624fa2d27bd8aa00ee112f9d", 4604))])),
    Entry("eccc_eureka2014_insitu", "ECCC Eureka 2014 snow-on-sea-ice campaign: 163 drill holes, snow depths",
          "Environment and Climate Change Canada, Open Government Licence - Canada", "eccc_eureka2014_insitu",
          _gh("kingjml/ECCC-Eureka-2014-Snow-on-Sea-Ice-Campaign", "bf84648221a9fa55783837498fb67028f375ebfe", [
              ("ECCCEureka2014.h5", "ECCCEureka2014.h5",
               "e74e47a3d97e3b424b2faab11f12d2a5866ea2b7a650f1cfd43564031534482f", 650736)])),
    Entry("pyresample_ssmis", "One DMSP SSMIS swath: lon, lat, TB 37 GHz V", "DMSP SSMIS", "pyresample_ssmis",
          _gh("pytroll/pyresample", "2653b47e0b4b3fe8275f1a4e80ba200ec115c446", [
              ("ssmis_swath.npz", "pyresample/test/test_files/ssmis_swath.npz",
               "8f20735557b88e3f1735dfb103c755e58deca9cef09080c0abe0cacf25abeceb", 3603074)])),
    Entry("xarray_sentinel_ew", "Sentinel-1A EW SLC 2021-04-03 annotation only (EW1 HH/HV geolocation grids)",
          "Copernicus Sentinel data", "xarray_sentinel_ew",
          _gh("bopen/xarray-sentinel", "319f831273187084e559df2fc9057735a96289d9",
              [(p, f"tests/data/{p}", s, n) for p, s, n in _S1_FILES])),
    Entry("ai4arctic_channel_stats", "AI4Arctic challenge channel mean/std and train/test scene lists",
          "AI4Arctic (DMI, DTU, NERSC, CIS)", "ai4arctic_channel_stats",
          _gh("astokholm/AI4ArcticSeaIceChallenge", "4d5e3bc85e681f6c56821d96f2ebfcf4ed58b495", [
              ("global_meanstd.npy", "misc/global_meanstd.npy",
               "2f3f9188617a98c9e89158302efad8ffbc22ecc9d66d76019b54cdb5cbcfdeca", 2070),
              ("dataset.json", "datalists/dataset.json",
               "ade1fedb24cf1ca6f2fdc007390c09115855f6d1d5a1edd330e031d1809bf4b0", 58842),
              ("testset.json", "datalists/testset.json",
               "d8eb1b24ec6d97e24e202cb4a90f05918fb650912584995c9c7c067e605ca825", 2315)])),
)  # fmt: skip

PRODUCTS: tuple[Entry, ...] = (
    Entry("osisaf_sic_nh", "OSI SAF OSI-401-d daily SIC, north, polar stereographic 10 km (open THREDDS)",
          "EUMETSAT OSI SAF",
          url_template="https://thredds.met.no/thredds/fileServer/osisaf/met.no/ice/conc/{Y}/{m}/"
                       "ice_conc_nh_polstere-100_multi_{Y}{m}{d}1200.nc",
          landing="https://osi-saf.eumetsat.int/products/osi-401-d"),
    Entry("osisaf_cdr_nh", "OSI SAF OSI-450-a climate data record SIC, north, EASE2 25 km (open THREDDS)",
          "EUMETSAT OSI SAF",
          url_template="https://thredds.met.no/thredds/fileServer/osisaf/met.no/reprocessed/ice/conc_450a_files/"
                       "{Y}/{m}/ice_conc_nh_ease2-250_cdr-v3p0_{Y}{m}{d}1200.nc",
          landing="https://osi-saf.eumetsat.int/products/osi-450-a"),
    Entry("nsidc0051", "NSIDC-0051 NASA Team SIC v2 netCDF, north 25 km", "NSIDC",
          url_template="https://n5eil01u.ecs.nsidc.org/PM/NSIDC-0051.002/{Y}.{m}.{d}/"
                       "NSIDC0051_SEAICE_PS_N25km_{Y}{m}{d}_v2.0.nc",
          landing="https://nsidc.org/data/nsidc-0051", needs_account=True),
    Entry("ai4arctic", "AI4Arctic Sea Ice Challenge dataset (raw and ready-to-train netCDF scenes)",
          "AI4Arctic (DMI, DTU, NERSC, CIS), CC-BY-4.0",
          landing="https://data.dtu.dk/collections/AI4Arctic_Sea_Ice_Challenge_Dataset/6244065",
          needs_account=False),
    Entry("sentinel1", "Sentinel-1 EW GRDM SAFE products (Copernicus Data Space Ecosystem)",
          "Copernicus Sentinel data",
          url_template="https://catalogue.dataspace.copernicus.eu/odata/v1/Products?$filter=Name eq '{name}'",
          landing="https://dataspace.copernicus.eu", needs_account=True),
    Entry("rcm", "RADARSAT Constellation Mission ScanSAR GRD products (EODMS)",
          "Government of Canada (CSA)", landing="https://www.eodms-sgdo.nrcan-rncan.gc.ca",
          needs_account=True),
    Entry("amsr2", "GCOM-W AMSR2 L1R/L3 brightness temperatures (JAXA G-Portal)", "JAXA",
          landing="https://gportal.jaxa.jp", needs_account=True),
)  # fmt: skip


def entries() -> dict[str, Entry]:
    return {e.name: e for e in SAMPLES + PRODUCTS}


def get(name: str) -> Entry:
    """The catalogue entry ``name``; SeaIceError listing the names if unknown."""
    table = entries()
    if name not in table:
        raise SeaIceError(f"unknown data set '{name}' (known: {', '.join(sorted(table))})")
    return table[name]


def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_dir() -> Path:
    """``$SEAICE_JAX_CACHE``, else pooch's per-user cache folder ``seaice-jax``."""
    env = os.environ.get("SEAICE_JAX_CACHE")
    if env:
        return Path(env)

    return Path(pooch.os_cache("seaice-jax"))


def _verify(path: Path, expect: str | None) -> Path:
    if expect and sha256(path) != expect:
        raise SeaIceError(f"{path}: checksum mismatch (sha256 differs from the catalogue)")
    return path


def _download(url: str, dest: Path, expect: str | None) -> Path:
    """Download ``url`` to ``dest`` with pooch (temporary name, then rename), checking sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # the tqdm bar says what is happening; pooch's INFO lines repeat it
    try:
        pooch.retrieve(url, known_hash=f"sha256:{expect}" if expect else None, fname=dest.name,
                       path=dest.parent, progressbar=True)  # fmt: skip
    except ValueError as e:  # pooch reports a hash mismatch as ValueError and deletes the file
        if "hash" in str(e).lower():
            raise SeaIceError(
                f"{url}: checksum mismatch (sha256 differs from the catalogue)"
            ) from None
        raise SeaIceError(f"{url}: download failed ({str(e).splitlines()[0]})") from None
    except (requests.RequestException, OSError) as e:
        raise SeaIceError(f"{url}: download failed ({str(e).splitlines()[0]})") from None
    finally:
        logger.setLevel(level)
    return dest


def resolve_file(entry: Entry, f: CatalogFile, *, download: bool = True) -> Path:
    """Local path of one catalogue file: SEAICE_JAX_DATA, then the cache, then a download.

    Raises:
      SeaIceError: checksum mismatch, download failure, or (``download=False``) not found.
    """
    data = os.environ.get("SEAICE_JAX_DATA")
    if data and (Path(data) / entry.folder / f.path).is_file():
        return _verify(Path(data) / entry.folder / f.path, f.sha256)
    cached = cache_dir() / entry.folder / f.path
    if cached.is_file():
        return _verify(cached, f.download_sha256)
    if not download:
        raise SeaIceError(
            f"{entry.name}: {f.path} is neither in SEAICE_JAX_DATA nor in {cache_dir()}"
        )
    return _download(f.url, cached, f.download_sha256)


def fetch(name: str, *, date: str | None = None, download: bool = True) -> list[Path]:
    """Resolve a catalogue entry to local files (downloading what is missing).

    Args:
      name: a catalogue name (``seaice-jax fetch --list``).
      date: ``YYYY-MM-DD`` for products served by date (e.g. ``osisaf_sic_nh``).
      download: allow network downloads.

    Returns:
      The local paths, one per file.

    Raises:
      SeaIceError: unknown name, missing date, account needed, checksum mismatch, download error.
    """
    entry = get(name)
    if entry.files:
        return [resolve_file(entry, f, download=download) for f in entry.files]
    if entry.needs_account or not entry.url_template or "{Y}" not in entry.url_template:
        how = "needs a (free) account" if entry.needs_account else "is downloaded by hand"
        raise SeaIceError(
            f"{name}: {how} at {entry.landing}; then open the files with 'seaice-jax info'"
        )
    if not date:
        raise SeaIceError(f"{name}: give --date YYYY-MM-DD")
    try:
        y, m, d = (int(v) for v in date.split("-"))
    except ValueError:
        raise SeaIceError(f"--date {date!r}: expected YYYY-MM-DD") from None
    url = entry.url_template.format(Y=f"{y:04d}", m=f"{m:02d}", d=f"{d:02d}")
    cached = cache_dir() / name / url.rsplit("/", 1)[1]
    if cached.is_file():
        return [cached]
    if not download:
        raise SeaIceError(f"{name}: {cached.name} is not in {cache_dir()}")
    return [_download(url, cached, None)]
