"""``manifest.safe`` of a simulated Sentinel-1 GRD: the XFDU index of the product.

It carries what a catalogue reads without opening the annotation: platform and mode, the
acquisition period, orbit numbers and pass, the product type and polarisations, the footprint
(``gml:coordinates``, "lat,lon" pairs: last line near range, last line far, first line far, first
line near, the order of real products) and every file with its size and MD5 checksum.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from xml.sax.saxutils import quoteattr

from seaice_jax.io import naming

NS = (
    'xmlns:xfdu="urn:ccsds:schema:xfdu:1" xmlns:gml="http://www.opengis.net/gml" '
    'xmlns:safe="http://www.esa.int/safe/sentinel-1.0" '
    'xmlns:s1="http://www.esa.int/safe/sentinel-1.0/sentinel-1" '
    'xmlns:s1sarl1="http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar/level-1"'
)
REP = {"measurement": "s1Level1MeasurementSchema", "calibration": "s1Level1CalibrationSchema",
       "noise": "s1Level1NoiseSchema", "annotation": "s1Level1ProductSchema"}  # fmt: skip


def _md5(path: Path) -> str:
    h = hashlib.md5()  # noqa: S324 - the SAFE format's checksum, not a security use
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _rep(rel: str) -> str:
    if rel.startswith("measurement/"):
        return REP["measurement"]
    name = rel.rsplit("/", 1)[-1]
    if name.startswith("calibration-"):
        return REP["calibration"]
    return REP["noise"] if name.startswith("noise-") else REP["annotation"]


def write_manifest(safe: Path, start, stop, pass_direction: str, corners: list, ids: dict) -> None:
    """Write ``safe/manifest.safe`` listing every file already in the folder.

    Args:
      safe: the product folder.
      start, stop: acquisition period (UTC datetimes).
      pass_direction: ``Ascending`` or ``Descending``.
      corners: (lat, lon) of the footprint corners, in the manifest's order.
      ids: ``mission``, ``orbit``, ``datatake``.
    """
    files = sorted(p for p in safe.rglob("*") if p.is_file() and p.name != "manifest.safe")
    objs = []
    for p in files:
        rel = p.relative_to(safe).as_posix()
        oid = rel.replace("/", "").replace("-", "").replace(".", "")
        objs.append(
            f'    <dataObject ID={quoteattr(oid)} repID="{_rep(rel)}">\n'
            f'      <byteStream mimeType="{"application/octet-stream" if rel.endswith("tiff") else "text/xml"}" '
            f'size="{p.stat().st_size}">\n'
            f'        <fileLocation locatorType="URL" href={quoteattr("./" + rel)}/>\n'
            f'        <checksum checksumName="MD5">{_md5(p)}</checksum>\n'
            "      </byteStream>\n    </dataObject>"
        )
    footprint = " ".join(f"{la:.6f},{lo:.6f}" for la, lo in corners)
    start, stop = naming.iso(start), naming.iso(stop)
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<xfdu:XFDU {NS} version="esa/safe/sentinel-1.0/sentinel-1/sar/level-1/standard/ewdp">
  <metadataSection>
    <metadataObject ID="processing" classification="PROVENANCE" category="PDI">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Processing">
        <xmlData>
          <safe:processing name="GRD Post Processing" start="{start}" stop="{stop}">
            <safe:facility name="seaice-jax simulator" organisation="seaice-jax">
              <safe:software name="seaice-jax" version="simulated"/>
            </safe:facility>
          </safe:processing>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="platform" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Platform Description">
        <xmlData>
          <safe:platform>
            <safe:familyName>SENTINEL-1</safe:familyName>
            <safe:number>{ids["mission"][-1]}</safe:number>
            <safe:instrument>
              <safe:familyName abbreviation="SAR">Synthetic Aperture Radar</safe:familyName>
              <safe:extension><s1sarl1:instrumentMode><s1sarl1:mode>EW</s1sarl1:mode></s1sarl1:instrumentMode></safe:extension>
            </safe:instrument>
          </safe:platform>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="measurementOrbitReference" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Orbit Reference">
        <xmlData>
          <safe:orbitReference>
            <safe:orbitNumber type="start">{ids["orbit"]}</safe:orbitNumber>
            <safe:orbitNumber type="stop">{ids["orbit"]}</safe:orbitNumber>
            <safe:extension><s1:orbitProperties><s1:pass>{pass_direction.upper()}</s1:pass></s1:orbitProperties></safe:extension>
          </safe:orbitReference>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="generalProductInformation" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="General Product Information">
        <xmlData>
          <s1sarl1:standAloneProductInformation>
            <s1sarl1:missionDataTakeID>{ids["datatake"]}</s1sarl1:missionDataTakeID>
            <s1sarl1:transmitterReceiverPolarisation>HH</s1sarl1:transmitterReceiverPolarisation>
            <s1sarl1:transmitterReceiverPolarisation>HV</s1sarl1:transmitterReceiverPolarisation>
            <s1sarl1:productClass>S</s1sarl1:productClass>
            <s1sarl1:productComposition>Slice</s1sarl1:productComposition>
            <s1sarl1:productType>GRD</s1sarl1:productType>
            <s1sarl1:productTimelinessCategory>Fast-24h</s1sarl1:productTimelinessCategory>
          </s1sarl1:standAloneProductInformation>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="acquisitionPeriod" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Acquisition Period">
        <xmlData>
          <safe:acquisitionPeriod>
            <safe:startTime>{start}</safe:startTime>
            <safe:stopTime>{stop}</safe:stopTime>
          </safe:acquisitionPeriod>
        </xmlData>
      </metadataWrap>
    </metadataObject>
    <metadataObject ID="measurementFrameSet" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Frame Set">
        <xmlData>
          <safe:frameSet>
            <safe:frame>
              <safe:footPrint srsName="http://www.opengis.net/gml/srs/epsg.xml#4326">
                <gml:coordinates>{footprint}</gml:coordinates>
              </safe:footPrint>
            </safe:frame>
          </safe:frameSet>
        </xmlData>
      </metadataWrap>
    </metadataObject>
  </metadataSection>
  <dataObjectSection>
{chr(10).join(objs)}
  </dataObjectSection>
</xfdu:XFDU>
"""
    (safe / "manifest.safe").write_text(text, encoding="utf-8")


def write_file_manifest(folder: Path, title: str) -> None:
    """A plain XFDU ``manifest.safe`` listing every file of ``folder`` with size and MD5 (RCM)."""
    objs = []
    for p in sorted(q for q in folder.rglob("*") if q.is_file() and q.name != "manifest.safe"):
        rel = p.relative_to(folder).as_posix()
        objs.append(
            f"    <dataObject ID={quoteattr(rel.replace('/', '_'))}>\n"
            f'      <byteStream size="{p.stat().st_size}">\n'
            f'        <fileLocation locatorType="URL" href={quoteattr("./" + rel)}/>\n'
            f'        <checksum checksumName="MD5">{_md5(p)}</checksum>\n'
            "      </byteStream>\n    </dataObject>"
        )
    text = (f'<?xml version="1.0" encoding="UTF-8"?>\n<xfdu:XFDU {NS} textInfo={quoteattr(title)}>\n'
            f"  <dataObjectSection>\n{chr(10).join(objs)}\n  </dataObjectSection>\n</xfdu:XFDU>\n")  # fmt: skip
    (folder / "manifest.safe").write_text(text, encoding="utf-8")
