"""Policy profiles: the built-in ones (read-only data files) and an organization's own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy import delete

from app.api.deps import InventoryReader, InventoryWriter, SessionDep
from app.api.routing import WorkerRoute
from app.api.schemas.profiles import ProfileCheck, ProfileDocument, ProfileSummary
from core.audit import record
from core.field_limits import RowId
from core.i18n import N_, say
from core.tenancy import Forbidden, NotFound
from inventory.service.organizations import target_org
from migration import service
from migration.models import CustomProfile
from migration.profiles import builtin_profiles, parse_profile, profile_to_dict

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/profiles", tags=["profiles"])

ProfileBody = Annotated[
    dict[str, Any],
    Body(description="A profile document; see GET /api/v1/profiles/kr-2035 for the shape."),
]


def _summary(data: dict[str, Any], builtin: bool) -> dict[str, Any]:
    return {
        "id": data["id"],
        "name": data["name"],
        "version": data["version"],
        "jurisdiction": data["jurisdiction"],
        "final_deadline": str(data["final_deadline"]),
        "builtin": builtin,
    }


@router.get("", response_model=list[ProfileSummary])
def list_profiles(
    session: SessionDep, principal: InventoryReader, organization_id: RowId | None = None
) -> list[dict[str, Any]]:
    """Built-in profiles first, then the organization's own."""
    org_id = target_org(session, principal, organization_id)
    out = [_summary(profile_to_dict(p), True) for p in builtin_profiles().values()]
    out += [_summary(row.data, False) for row in service.custom_profiles(session, org_id)]
    return out


@router.get("/{profile_id}", responses={200: {"model": ProfileDocument}})
def get_profile(
    profile_id: str,
    session: SessionDep,
    principal: InventoryReader,
    organization_id: RowId | None = None,
) -> JSONResponse:
    """The whole profile (404 `UnknownProfile` if neither built in nor the organization's)."""
    org_id = target_org(session, principal, organization_id)
    profile = service.resolve_profile(session, org_id, profile_id)
    builtin = profile_id in builtin_profiles()
    return JSONResponse(profile_to_dict(profile) | {"builtin": builtin})  # sent as stored


@router.post("/validate", response_model=ProfileCheck)
def validate_profile(data: ProfileBody, principal: InventoryReader) -> dict[str, Any]:
    """Check a profile without storing it: 200 if valid, 422 naming the field if not."""
    profile = parse_profile(data)  # ProfileError is an InputError: 422 naming the field
    return {"valid": True, "id": profile.id, "version": profile.version}


@router.post("", response_model=ProfileSummary, status_code=status.HTTP_201_CREATED)
def save_profile(
    data: ProfileBody,
    session: SessionDep,
    principal: InventoryWriter,
    organization_id: RowId | None = None,
) -> dict[str, Any]:
    """Store (or replace) one of the organization's own profiles."""
    org_id = target_org(session, principal, organization_id)
    row = service.save_custom_profile(session, org_id, data)
    detail = {"profile_id": row.profile_id, "version": row.data.get("version")}
    record(session, principal, "save", "profile", row.id, org_id, detail)
    return _summary(row.data, False)


@router.delete("/{profile_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_profile(
    profile_id: str,
    session: SessionDep,
    principal: InventoryWriter,
    organization_id: RowId | None = None,
) -> Response:
    org_id = target_org(session, principal, organization_id)
    if profile_id in builtin_profiles():
        raise Forbidden(
            say(N_("'{id}' is a built-in profile and cannot be deleted"), id=profile_id)
        )
    result = session.execute(
        delete(CustomProfile).where(
            CustomProfile.organization_id == org_id, CustomProfile.profile_id == profile_id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(say(N_("profile '{id}' not found"), id=profile_id))
    record(session, principal, "delete", "profile", profile_id, org_id, None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
