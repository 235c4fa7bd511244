"""One text limit per field on every path in, safe CSV cells out, and CSV/CBOM errors that
name the real problem and place. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from core.errors import InputError
from core.field_limits import limit
from core.models import Organization
from inventory.choices import AssetType
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.cbom_import import import_cbom
from inventory.exchange.csv_io import COLUMNS, export_csv, import_csv
from inventory.models import Asset, CryptoUsage
from inventory.service.refs import fit_ref
from tests.inventory.exchange.conftest import make_org, row_counts

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


def _export_import_is_idempotent(session_factory, fmt: str) -> None:
    """Every organization re-imports its own export without a new row and exports the same."""
    export = export_csv if fmt == "csv" else export_cbom
    with session_factory() as session:
        orgs = session.scalars(select(Organization.id)).all()
    for org_id in orgs:
        with session_factory() as session:
            before, text = row_counts(session), export(session, org_id)
        with session_factory.begin() as session:
            report = (import_csv if fmt == "csv" else import_cbom)(session, org_id, text)
        assert (report.assets_created, report.usages_created) == (0, 0)
        with session_factory() as session:
            assert row_counts(session) == before
            if fmt == "csv":
                assert export(session, org_id) == text


def test_refs_at_their_limit_survive_a_cbom_round_trip(session_factory):
    """Derived bom-refs (`#signature-algorithm`, `#public-key`, `#protocol:`) of 200-character
    refs are fitted to 200 with a stable hash; the importer reads its own export back."""
    _round_trip(session_factory, _longest(refs=True), "cbom")
    with session_factory() as session:
        doc = json.loads(export_cbom(session, session.scalars(select(Organization.id)).first()))
    refs = [c["bom-ref"] for c in doc["components"]]
    assert len(refs) == 5 and max(map(len, refs)) == 200, refs  # asset, cert, sig, key, proto
    assert any(r.endswith("#signature-algorithm") for r in refs)
    _export_import_is_idempotent(session_factory, "cbom")


def test_usage_ref_equal_to_a_200_character_asset_ref_round_trips(session_factory):
    """The usage's bom-ref becomes `<ref>#usage` fitted to 200; its real ref travels in a
    property, so re-importing maps it to the same row."""
    ref = "s" * limit(Asset, "ref")
    cells = {"asset_ref": ref, "asset_name": "web", "asset_type": "application"}
    cells |= {"usage_ref": ref, "algorithm": "RSA", "primitive": "signature"}
    with session_factory.begin() as session:
        import_csv(session, make_org(session, "same"), f"{HEADER}\n{_row(**cells)}")
    with session_factory() as session:
        org_id = session.scalars(select(Organization.id)).one()
        refs = [c["bom-ref"] for c in json.loads(export_cbom(session, org_id))["components"]]
    assert len(set(refs)) == 2 and all(len(r) <= 200 for r in refs), refs
    _export_import_is_idempotent(session_factory, "cbom")
    with session_factory() as session:
        assert session.scalars(select(CryptoUsage.ref)).all() == [ref]


def test_csv_usage_ref_derived_from_a_200_character_asset_ref_fits(session_factory, org):
    """`crypto:<asset ref>:<hash>` would be 221 characters: it is fitted, stable, and
    two usages of one asset still get two refs."""
    ref = "r" * limit(Asset, "ref")
    rows = [
        _row(asset_ref=ref, asset_name="web", asset_type="application", algorithm=alg,
             primitive="signature")
        for alg in ("RSA", "ECDSA")
    ]  # fmt: skip
    for _ in range(2):
        with session_factory.begin() as session:
            import_csv(session, org, HEADER + "\n" + "".join(rows))
    with session_factory() as session:
        refs = session.scalars(select(CryptoUsage.ref)).all()
    assert len(refs) == 2 and len(set(refs)) == 2
    assert all(len(r) <= 200 and r.startswith("crypto:rrr") for r in refs), refs
    _export_import_is_idempotent(session_factory, "csv")
    _export_import_is_idempotent(session_factory, "cbom")


def test_a_shared_component_of_assets_with_long_refs_gives_one_usage_each(session_factory, org):
    """`<usage ref>@<asset ref>` beyond 200 was cut at 200, so assets whose refs differ only
    past the cut shared one ref and all but one usage were dropped."""
    assets = ["a" * 150 + str(i) for i in range(3)]
    comps = [{"type": "application", "bom-ref": a, "name": a[-1]} for a in assets]
    comps.append(
        {
            "type": "cryptographic-asset",
            "bom-ref": "c" * 60,
            "name": "RSA",
            "cryptoProperties": {"assetType": "algorithm"},
        }
    )
    doc = json.loads(_cbom(comps[0]))
    doc["components"] = comps
    doc["dependencies"] = [{"ref": a, "dependsOn": ["c" * 60]} for a in assets]
    for _ in range(2):
        with session_factory.begin() as session:
            import_cbom(session, org, json.dumps(doc))
    with session_factory() as session:
        refs = session.scalars(select(CryptoUsage.ref)).all()
    assert len(refs) == 3 and all(len(r) <= 200 for r in refs), refs


def test_fit_ref_keeps_short_refs_and_fits_long_ones_stably():
    assert fit_ref("abc", "#x") == "abc#x"
    long = fit_ref("r" * 200, "#signature-algorithm")
    assert len(long) == 200 and long.endswith("#signature-algorithm") and long.startswith("rrr")
    assert long == fit_ref("r" * 200, "#signature-algorithm")
    assert long != fit_ref("r" * 199 + "s", "#signature-algorithm")
    assert len(fit_ref("p", "#protocol:" + "x" * 300)) == 200


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
