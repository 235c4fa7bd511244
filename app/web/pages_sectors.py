"""Sector pages: the completeness check with its ties and absences, the adoption
procedure, reporting to a supervisor (and the signed report), and the supervisor's view.

Each page calls the same functions as the API and checks the role itself."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from app import supervision_report
from app.api.deps import SessionDep
from app.api.schemas.sectors import ReportIn, StepPatch
from app.web.core import (
    FormState,
    User,
    WebError,
    WebUser,
    form_model,
    form_post,
    page,
    redirect_with,
    render,
)
from core.i18n import N_
from core.tenancy import NotFound
from inventory.service.organizations import target_org
from migration.models import Plan, PlanVersion
from migration.sectors import catalogs, completeness, procedure, supervision
from migration.sectors.choices import StepStatus
from migration.sectors.models import SharedFigures

router = APIRouter(include_in_schema=False)
TIED = N_("Tied asset {asset} to {target}.")
UNTIED = N_("Removed the tie of asset {asset} to {target}.")
ABSENT = N_("Declared {target} absent.")
WITHDRAWN = N_("Withdrew the declaration that {target} is absent.")
SAY_WHY = N_("Say why the organization has no such system (3 characters or more).")
STEP_SAVED = N_("Saved the step {step}.")
EVIDENCE_ADDED = N_("Added evidence to the step {step}.")
REPORTING = N_("This organization now reports to {supervisor}.")
STOPPED = N_("Stopped reporting to {supervisor}.")


def _org(session: Any, user: Any) -> int:
    user.principal.require_read()
    return target_org(session, user.principal, None)


@router.get("/sector")
@page
def sector(request: Request, user: User, session: SessionDep) -> Response:
    return _sector_page(request, session, user, None)


def _sector_page(request: Request, session: Any, user: WebUser, form: FormState | None) -> Response:
    org_id = _org(session, user)
    result = completeness.check(session, org_id).as_dict()
    asset = request.query_params.get("asset", "")  # from an asset's page: its tie pre-filled
    org = catalogs.organization(session, org_id)
    described = [c for c, _ in catalogs.catalogs_for(session, org) if c.description]
    context = {"r": result, "tie_asset": asset if asset.isdigit() else "", "described": described}
    return render(request, "sector.html", context, form=form)


def _asset_name(session: Any, org_id: int, asset_id: int) -> str:
    from inventory.models import Asset

    row = session.get(Asset, asset_id)
    return row.name if row is not None and row.organization_id == org_id else str(asset_id)


@router.post("/sector/ties")
@page
@form_post("tie", _sector_page)
def tie(
    request: Request,
    user: User,
    session: SessionDep,
    target: Annotated[str, Form(max_length=130)],
    asset_id: Annotated[int, Form(ge=1)],
    remove: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    user.principal.require_write()
    org_id = target_org(session, user.principal, None)
    try:
        if remove:
            completeness.untie(session, user.principal, org_id, asset_id, target)
        else:
            completeness.tie(session, user.principal, org_id, asset_id, target)
    except NotFound as exc:  # no such asset (or tie): the form again, the field marked
        raise WebError(404, str(exc), "form.asset_id", translate=False) from None
    shown = {"asset": _asset_name(session, org_id, asset_id), "target": target}
    return redirect_with(request, "/sector", UNTIED if remove else TIED, **shown)


@router.post("/sector/absences")
@page
@form_post("absence", _sector_page)
def absence(
    request: Request,
    user: User,
    session: SessionDep,
    target: Annotated[str, Form(max_length=130)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    remove: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    user.principal.require_write()
    org_id = target_org(session, user.principal, None)
    if remove:
        completeness.withdraw_absence(session, user.principal, org_id, target)
        return redirect_with(request, f"/sector#target-{_anchor(target)}", WITHDRAWN, target=target)
    if len(reason.strip()) < 3:
        raise WebError(422, SAY_WHY, "form.reason")
    completeness.declare_absent(session, user.principal, org_id, target, reason.strip())
    return redirect_with(request, f"/sector#target-{_anchor(target)}", ABSENT, target=target)


def _anchor(key: str) -> str:
    return key.replace("/", "-")


def _versions(session: Any, org_id: int) -> list[tuple[int, str]]:
    rows = session.execute(
        select(PlanVersion.id, Plan.name, PlanVersion.number)
        .join(Plan, Plan.id == PlanVersion.plan_id)
        .where(PlanVersion.organization_id == org_id)
        .order_by(PlanVersion.id.desc())
        .limit(50)
    )
    return [(vid, f"{name} v{number}") for vid, name, number in rows]


@router.get("/procedure")
@page
def procedure_page(request: Request, user: User, session: SessionDep) -> Response:
    return _procedure_page(request, session, user, None)


def _procedure_page(
    request: Request, session: Any, user: WebUser, form: FormState | None
) -> Response:
    org_id = _org(session, user)
    return render(
        request,
        "procedure.html",
        {
            "procedures": procedure.view(session, org_id),
            "statuses": [s.value for s in StepStatus],
            "versions": _versions(session, org_id),
        },
        form=form,
    )


def _day(value: str, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise WebError(422, N_("not a date (YYYY-MM-DD)"), f"form.{where}") from None


@router.post("/procedure/{procedure_id}/{step_id}")
@page
@form_post("step", _procedure_page)
def update_step(
    procedure_id: str,
    step_id: str,
    request: Request,
    user: User,
    session: SessionDep,
    status: Annotated[str, Form(max_length=20)],
    owner: Annotated[str, Form(max_length=200)] = "",
    due_on: Annotated[str, Form(max_length=10)] = "",
    done_on: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    user.principal.require_write()
    data = form_model(
        StepPatch,
        status=status,
        owner=owner or None,
        due_on=_day(due_on, "due_on"),
        done_on=_day(done_on, "done_on"),
        note=note or None,
    )
    org_id = target_org(session, user.principal, None)
    procedure.update_step(
        session, user.principal, org_id, procedure_id, step_id,
        **data.model_dump(exclude={"organization_id", "started_on"}),
    )  # fmt: skip
    return redirect_with(
        request, f"/procedure#step-{procedure_id}-{step_id}", STEP_SAVED, step=step_id
    )


@router.post("/procedure/{procedure_id}/{step_id}/evidence")
@page
@form_post("evidence", _procedure_page)
def add_evidence(
    procedure_id: str,
    step_id: str,
    request: Request,
    user: User,
    session: SessionDep,
    url: Annotated[str, Form(max_length=2000)] = "",
    plan_version_id: Annotated[str, Form(max_length=12)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    user.principal.require_write()
    org_id = target_org(session, user.principal, None)
    version = int(plan_version_id) if plan_version_id.isdigit() else None
    procedure.add_evidence(
        session, user.principal, org_id, procedure_id, step_id,
        url=url or None, plan_version_id=version, label=label or None,
    )  # fmt: skip
    return redirect_with(
        request, f"/procedure#step-{procedure_id}-{step_id}", EVIDENCE_ADDED, step=step_id
    )


@router.get("/reporting")
@page
def reporting(request: Request, user: User, session: SessionDep) -> Response:
    return _reporting_page(request, session, user, None)


def _reporting_page(
    request: Request, session: Any, user: WebUser, form: FormState | None
) -> Response:
    org_id = _org(session, user)
    row = session.get(SharedFigures, org_id)
    return render(
        request,
        "reporting.html",
        {
            "rel": supervision.relations_of(session, org_id),
            "shared": row.figures if row else None,
            "own": user.principal.organization_id == org_id,
        },
        form=form,
    )


@router.post("/reporting")
@page
@form_post("reporting", _reporting_page)
def start_reporting(
    request: Request,
    user: User,
    session: SessionDep,
    supervisor: Annotated[str, Form(max_length=64)],
) -> Response:
    user.principal.require_write()
    try:
        supervision.start_reporting(
            session, user.principal, user.principal.organization_id, supervisor
        )
    except NotFound as exc:  # an unknown slug: the form again, the field marked
        raise WebError(404, str(exc), "form.supervisor", translate=False) from None
    return redirect_with(request, "/reporting", REPORTING, supervisor=supervisor)


@router.post("/reporting/{relation_id}/stop")
@page
def stop_reporting(relation_id: int, request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_write()
    org_id = user.principal.organization_id
    names = {
        x["id"]: x["organization"]["name"]
        for x in supervision.relations_of(session, org_id)["reports_to"]
    }
    supervision.stop_reporting(session, user.principal, org_id, relation_id)
    shown = names.get(relation_id, str(relation_id))
    return redirect_with(request, "/reporting", STOPPED, supervisor=shown)


@router.post("/reporting/report")
@page
def report(
    request: Request,
    user: User,
    session: SessionDep,
    format: Annotated[str, Form(max_length=5)] = "html",
    lang: Annotated[str, Form(max_length=2)] = "en",
    supervisor: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    org_id = _org(session, user)
    data = form_model(ReportIn, format=format, lang=lang, supervisor=supervisor or None)
    issued = supervision_report.issue(
        session, user.principal, org_id, data.format, data.lang, data.supervisor
    )
    return Response(
        issued.text,
        media_type=issued.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{issued.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/supervision")
@page
def supervision_page(request: Request, user: User, session: SessionDep) -> Response:
    org_id = _org(session, user)
    return render(request, "supervision.html", {"v": supervision.supervisor_view(session, org_id)})


@router.get("/supervision/{org_id}")
@page
def supervised_page(org_id: int, request: Request, user: User, session: SessionDep) -> Response:
    supervisor_id = _org(session, user)
    return render(
        request, "supervised.html", {"o": supervision.supervised(session, supervisor_id, org_id)}
    )
