"""Sector guidelines: the catalogs (built in and the organization's own), the completeness
check, and the ties, absences and tags that change it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.responses import JSONResponse

from app.api.deps import InventoryReader, InventoryWriter, SessionDep
from app.api.routing import WorkerRoute
from app.api.schemas.common import file_answer
from app.api.schemas.sectors import (
    AbsenceIn,
    AbsenceOut,
    CatalogCheck,
    CatalogDocument,
    CatalogSummary,
    SectorCheckOut,
    TagsIn,
    TagsOut,
    TieIn,
    TieOut,
)
from core.field_limits import RowId
from core.i18n import N_, say
from core.tenancy import NotFound, get_scoped
from inventory.models import Asset
from inventory.service.organizations import target_org
from migration.sectors import catalogs, completeness
from migration.sectors.loader import (
    UnknownSector,
    builtin_catalogs,
    catalog_to_dict,
    get_catalog_by_sector_or_id,
    parse_catalog,
)
from migration.sectors.render import check_markdown
from migration.sectors.schema import Catalog

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1", tags=["sectors"])

CatalogBody = Annotated[
    dict[str, Any],
    Body(description="A catalog document; see GET /api/v1/sectors/telecom for the shape."),
]


def _summary(catalog: Catalog, builtin: bool) -> dict[str, Any]:
    return {
        "id": catalog.id,
        "sector": str(catalog.sector),
        "name": catalog.name,
        "name_ko": catalog.name_ko,
        "version": catalog.version,
        "targets": len(catalog.targets),
        "builtin": builtin,
    }


@router.get("/sectors", response_model=list[CatalogSummary])
def list_catalogs(
    session: SessionDep, principal: InventoryReader, organization_id: RowId | None = None
) -> list[dict[str, Any]]:
    """Built-in catalogs (one per sector), then the organization's own."""
    org_id = target_org(session, principal, organization_id)
    out = [_summary(c, True) for c in builtin_catalogs().values()]
    return out + [_summary(c, False) for c in catalogs.own_catalogs(session, org_id)]


@router.get("/sectors/{sector}", responses={200: {"model": CatalogDocument}})
def get_catalog(
    sector: str,
    session: SessionDep,
    principal: InventoryReader,
    organization_id: RowId | None = None,
) -> JSONResponse:
    """A built-in catalog by sector or id, or one of the organization's own by id."""
    org_id = target_org(session, principal, organization_id)
    try:
        return JSONResponse(
            catalog_to_dict(get_catalog_by_sector_or_id(sector)) | {"builtin": True}
        )
    except UnknownSector:
        own = {c.id: c for c in catalogs.own_catalogs(session, org_id)}
        if sector not in own:
            raise NotFound(say(N_("no catalog '{id}'"), id=sector)) from None
        return JSONResponse(catalog_to_dict(own[sector]) | {"builtin": False})


@router.post("/sectors/catalogs/validate", response_model=CatalogCheck)
def validate_catalog(data: CatalogBody, principal: InventoryReader) -> dict[str, Any]:
    """Check a catalog without storing it: 422 naming the field if it is invalid (or past
    the bounds of an own catalog, alone)."""
    catalog = parse_catalog(data)
    catalogs.check_bounds(catalog, [])
    return {
        "valid": True,
        "id": catalog.id,
        "version": catalog.version,
        "targets": len(catalog.targets),
    }


@router.post(
    "/sectors/catalogs", response_model=CatalogSummary, status_code=status.HTTP_201_CREATED
)
def save_catalog(
    data: CatalogBody,
    session: SessionDep,
    principal: InventoryWriter,
    organization_id: RowId | None = None,
) -> dict[str, Any]:
    """Store (or replace) one of the organization's own catalogs."""
    org_id = target_org(session, principal, organization_id)
    row = catalogs.save_own_catalog(session, principal, org_id, data)
    return _summary(parse_catalog(row.data), False)


@router.delete("/sectors/catalogs/{catalog_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_catalog(
    catalog_id: str,
    session: SessionDep,
    principal: InventoryWriter,
    organization_id: RowId | None = None,
) -> Response:
    org_id = target_org(session, principal, organization_id)
    catalogs.delete_own_catalog(session, principal, org_id, catalog_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/sector-check",
    response_model=SectorCheckOut,
    responses=file_answer(
        "The check as JSON or Markdown.", "application/json", "text/markdown; charset=utf-8"
    ),
)
def sector_check(
    session: SessionDep,
    principal: InventoryReader,
    organization_id: RowId | None = None,
    fmt: Annotated[str, Query(alias="format", pattern="^(json|md)$")] = "json",
    lang: Annotated[
        str, Query(pattern="^(en|ko)$", description="Language of the Markdown (JSON: data)")
    ] = "en",
) -> Any:
    """For each target the organization's sector and tier expect: found (with its assets),
    not found (with how to look), or declared absent (with the reason and who said so)."""
    org_id = target_org(session, principal, organization_id)
    result = completeness.check(session, org_id)
    if fmt == "md":
        text = check_markdown(result.as_dict(), lang)
        return Response(text, media_type="text/markdown; charset=utf-8")
    return result.as_dict()


@router.post("/sector-ties", response_model=TieOut, status_code=status.HTTP_201_CREATED)
def tie(data: TieIn, session: SessionDep, principal: InventoryWriter) -> dict[str, Any]:
    """Tie an asset to an expected target by hand."""
    org_id = target_org(session, principal, data.organization_id)
    row = completeness.tie(session, principal, org_id, data.asset_id, data.target)
    return {
        "id": row.id,
        "asset_id": row.asset_id,
        "target": row.target_key,
        "tied_by": row.tied_by,
    }


@router.delete("/sector-ties", status_code=status.HTTP_204_NO_CONTENT)
def untie(
    session: SessionDep,
    principal: InventoryWriter,
    asset_id: Annotated[RowId, Query(ge=1)],
    target: Annotated[str, Query(min_length=3, max_length=130)],
    organization_id: RowId | None = None,
) -> Response:
    org_id = target_org(session, principal, organization_id)
    completeness.untie(session, principal, org_id, asset_id, target)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/sector-absences", response_model=AbsenceOut, status_code=status.HTTP_201_CREATED)
def declare_absent(
    data: AbsenceIn, session: SessionDep, principal: InventoryWriter
) -> dict[str, Any]:
    """Declare an expected target absent, with the reason (who said so is recorded)."""
    org_id = target_org(session, principal, data.organization_id)
    row = completeness.declare_absent(session, principal, org_id, data.target, data.reason)
    return {
        "target": row.target_key,
        "reason": row.reason,
        "declared_by": row.declared_by,
        "declared_at": row.declared_at.isoformat(),
    }


@router.delete("/sector-absences", status_code=status.HTTP_204_NO_CONTENT)
def withdraw_absence(
    session: SessionDep,
    principal: InventoryWriter,
    target: Annotated[str, Query(min_length=3, max_length=130)],
    organization_id: RowId | None = None,
) -> Response:
    org_id = target_org(session, principal, organization_id)
    completeness.withdraw_absence(session, principal, org_id, target)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _asset_org(session: Any, principal: Any, asset_id: RowId) -> int:
    """The organization of an asset the caller may see (another tenant's: 404)."""
    return get_scoped(session, Asset, asset_id, principal).organization_id


@router.get("/asset-tags/{asset_id}", response_model=TagsOut)
def get_tags(asset_id: RowId, session: SessionDep, principal: InventoryReader) -> dict[str, Any]:
    org_id = _asset_org(session, principal, asset_id)
    return {"asset_id": asset_id, "tags": completeness.asset_tags(session, org_id, asset_id)}


@router.post("/asset-tags/{asset_id}", response_model=TagsOut)
def add_tags(
    asset_id: RowId, data: TagsIn, session: SessionDep, principal: InventoryWriter
) -> dict[str, Any]:
    """Add tags (catalog match rules can ask for them); existing tags stay."""
    org_id = _asset_org(session, principal, asset_id)
    tags = completeness.tag_asset(session, principal, org_id, asset_id, data.tags)
    return {"asset_id": asset_id, "tags": tags}


@router.delete("/asset-tags/{asset_id}/{tag}", status_code=status.HTTP_204_NO_CONTENT)
def remove_tag(
    asset_id: RowId, tag: str, session: SessionDep, principal: InventoryWriter
) -> Response:
    org_id = _asset_org(session, principal, asset_id)
    completeness.untag_asset(session, principal, org_id, asset_id, tag)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
