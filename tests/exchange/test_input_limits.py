"""One text limit per field on every path in, safe CSV cells out, and CSV/CBOM errors that
name the real problem and place. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from inventory.choices import AssetType
from inventory.errors import InputError
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.cbom_import import import_cbom
from inventory.exchange.csv_io import COLUMNS, export_csv, import_csv
from inventory.limits import limit
from inventory.models import Asset, CryptoUsage
from tests.exchange.conftest import make_org, row_counts

HEADER = ",".join(COLUMNS)


def _row(**cells: str) -> str:
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _cbom(component: dict) -> str:
    return json.dumps(
        {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [component]}
    )


@pytest.fixture
def org(session_factory):
    with session_factory.begin() as session:
        return make_org(session, "limits")


# --- CSV: parse errors and oversized cells ------------------------------------------------
def test_unterminated_quote_is_reported_where_it_opened(session_factory, org):
    text = (
        "asset_name,asset_type,exposure\n"
        "web,application,internal\n"
        '"db,database,internal\n'
        "hsm,hsm,isolated\n"
    )
    with session_factory() as session, pytest.raises(InputError) as info:
        import_csv(session, org, text)
    assert "unterminated quote" in info.value.message
    assert info.value.location == "line 3"


def test_stray_quote_closing_on_a_later_line_names_both_lines(session_factory, org):
    text = 'asset_name,asset_type,exposure\nweb,"application,internal\ndb,database",internal\n'
    with session_factory() as session, pytest.raises(InputError) as info:
        import_csv(session, org, text)
    assert "line 2" in info.value.message and "unterminated" in info.value.message
    assert "enum" not in info.value.message.lower() or "quote" in info.value.message


def test_cell_over_the_csv_module_limit_names_line_and_column(session_factory, org):
    text = (
        f"{HEADER}\n"
        + _row(asset_name="web", asset_type="application")
        + _row(asset_name="db", asset_type="database", description="x" * 200_000)
    )
    with session_factory() as session, pytest.raises(InputError) as info:
        import_csv(session, org, text)
    assert info.value.location == "line 3, column 'description'"
    with session_factory() as session:
        assert row_counts(session) == (0, 0, 0)


def test_cell_over_its_field_limit_names_line_and_column(session_factory, org):
    most = limit(Asset, "description")
    text = f"{HEADER}\n" + _row(
        asset_name="db", asset_type="database", description="x" * (most + 1)
    )
    with session_factory() as session, pytest.raises(InputError) as info:
        import_csv(session, org, text)
    assert info.value.location == "line 2, column 'description'"
    assert str(most) in info.value.message


@pytest.mark.parametrize(("column", "value"), [("owner", "a\x00b"), ("usage_ref", "u\x00")])
def test_nul_in_a_csv_cell_names_line_and_column(session_factory, org, column, value):
    cells = {"asset_name": "web", "asset_type": "application", column: value}
    if column == "usage_ref":
        cells |= {"algorithm": "RSA", "primitive": "signature"}
    text = f"{HEADER}\n" + _row(**cells)
    with session_factory() as session, pytest.raises(InputError) as info:
        import_csv(session, org, text)
    assert info.value.location == f"line 2, column '{column}'"
    assert "NUL" in info.value.message


# --- CSV export: formulas neutralised, round trip lossless ------------------------------
NASTY = [
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "'=already quoted",
    "''+two quotes",
    "-leading-dash-name",
    "\uff1dHYPERLINK(1)",
    "plain 'quoted' name",
]


def test_csv_export_neutralises_formulas_and_reimports_losslessly(session_factory):
    with session_factory.begin() as session:
        src = make_org(session, "src")
        dst = make_org(session, "dst")
        for i, name in enumerate(NASTY):  # as the API or a CBOM import would store them
            session.add(
                Asset(
                    organization_id=src,
                    ref=f"a{i}",
                    name=name,
                    asset_type=AssetType.APPLICATION,
                    owner=name,
                )
            )
    with session_factory() as session:
        exported = export_csv(session, src)
    for record in csv.DictReader(io.StringIO(exported)):
        for value in record.values():
            assert not value or value[0] not in "=+-@\t\r\uff1d", value
    assert "'=cmd|' /C calc'!A0" in exported
    with session_factory.begin() as session:
        import_csv(session, dst, exported)
    with session_factory() as session:
        names = session.scalars(select(Asset.name).where(Asset.organization_id == dst))
        assert sorted(names) == sorted(NASTY)
        assert export_csv(session, dst) == exported


ASSET_TEXT = ["description", "owner", "vendor", "product", "version", "location"]
USAGE_TEXT = [
    "protocol", "parameter_set", "mode", "padding", "library", "library_version",
    "cert_subject", "cert_issuer", "cert_serial", "cert_public_key_algorithm", "notes",
    "evidence",
]  # fmt: skip


def _longest(refs: bool) -> dict[str, str]:
    """One row with every text field at its maximum length (refs too, if `refs`)."""
    cells = {f: "-" + "y" * (limit(Asset, f) - 1) for f in ASSET_TEXT}
    cells |= {f: "=" + "z" * (limit(CryptoUsage, f) - 1) for f in USAGE_TEXT}
    return cells | {
        "asset_ref": "r" * limit(Asset, "ref") if refs else "asset-1",
        "asset_name": "n" * limit(Asset, "name"),
        "asset_type": "application",
        "usage_ref": "u" * limit(CryptoUsage, "ref") if refs else "usage-1",
        "algorithm": "A" * limit(CryptoUsage, "algorithm"),
        "primitive": "signature",
    }


def _round_trip(session_factory, cells: dict[str, str], fmt: str) -> None:
    with session_factory.begin() as session:
        src, dst = make_org(session, "src"), make_org(session, "dst")
        import_csv(session, src, f"{HEADER}\n{_row(**cells)}")
    with session_factory() as session:
        exported = export_csv(session, src) if fmt == "csv" else export_cbom(session, src)
    with session_factory.begin() as session:
        (import_csv if fmt == "csv" else import_cbom)(session, dst, exported)
    with session_factory() as session:
        asset = session.scalars(select(Asset).where(Asset.organization_id == dst)).one()
        for f in ASSET_TEXT:
            assert getattr(asset, f) == cells[f], f
        usage = session.scalars(select(CryptoUsage).where(CryptoUsage.organization_id == dst)).one()
        assert usage.algorithm_raw == cells["algorithm"]
        for f in USAGE_TEXT:
            if f != "evidence" or fmt == "csv":  # a CBOM import writes its own evidence
                assert getattr(usage, f) == cells[f], f


def test_everything_the_limits_allow_survives_a_csv_round_trip(session_factory):
    _round_trip(session_factory, _longest(refs=True), "csv")


def test_every_text_field_at_its_limit_survives_a_cbom_round_trip(session_factory):
    _round_trip(session_factory, _longest(refs=False), "cbom")


@pytest.mark.xfail(
    strict=True,
    reason="CBOM export derives bom-refs longer than 200 (asset ref + certificate, usage ref "
    "+ '#signature-algorithm') that its importer refuses; for the CBOM fidelity work",
)
def test_refs_at_their_limit_survive_a_cbom_round_trip(session_factory):
    _round_trip(session_factory, _longest(refs=True), "cbom")


# --- CBOM: the same limits and checks -----------------------------------------------------
def test_cbom_with_a_50mb_description_is_refused_naming_the_path(session_factory, org):
    doc = _cbom({"type": "application", "name": "app", "description": "d" * 50_000_000})
    with session_factory() as session, pytest.raises(InputError) as info:
        import_cbom(session, org, doc)
    assert info.value.location.startswith("$.components[0]")
    assert f"longer than {limit(Asset, 'description')}" in info.value.message
    with session_factory() as session:
        assert row_counts(session) == (0, 0, 0)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ('"name": "app\\u0000"', "NUL"),
        ('"name": "app\\udc00"', "lone surrogate"),
        ('"name": "app", "version": NaN', "NaN"),
        ('"name": "app", "version": -Infinity', "Infinity"),
    ],
)
def test_cbom_text_and_numbers_that_cannot_be_stored_are_refused(session_factory, org, raw, words):
    doc = (
        '{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, '
        '"components": [{"type": "application", ' + raw + "}]}"
    )
    with session_factory() as session, pytest.raises(InputError) as info:
        import_cbom(session, org, doc)
    assert words in info.value.message
    assert info.value.location.startswith("$.components[0].")


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "1066-10-14T09:00:00Z"])
def test_cbom_certificate_dates_outside_the_window_are_refused(session_factory, org, when):
    doc = _cbom(
        {
            "type": "cryptographic-asset",
            "name": "web cert",
            "cryptoProperties": {
                "assetType": "certificate",
                "certificateProperties": {"subjectName": "CN=web", "notValidBefore": when},
            },
        }
    )
    with session_factory() as session, pytest.raises(InputError) as info:
        import_cbom(session, org, doc)
    assert info.value.location.endswith(".notValidBefore")
