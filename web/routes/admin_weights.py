"""Admin: the composite score's weights (响应率 / 解决率 / 满意率) and the weight of a 基本满意 rating."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.deps import CsrfProtected, CurrentUser, EngineDep, require_roles
from web.services.dashboard_weights import FIELDS, WeightsRejected, current_weights, update_weights
from web.templating import TemplatesDep
from workflows.types import Role

router = APIRouter(
    prefix="/admin/weights", tags=["admin"], dependencies=[CsrfProtected, require_roles(Role.ADMIN)]
)


def _context(engine: EngineDep, **extra: object) -> dict:
    weights, row = current_weights(engine)
    return {
        "active": "weights",
        "formula": weights.composite_formula(),
        "satisfaction_formula": weights.satisfaction_formula(),
        "stored": row,
        "fields": FIELDS,
        "values": {name: f"{getattr(weights, name):g}" for name in FIELDS},
        "error": "",
        "saved": False,
        **extra,
    }


@router.get("")
def weights_page(request: Request, engine: EngineDep, templates: TemplatesDep) -> Response:
    return templates.render(request, "dashboard/weights.html", _context(engine))


@router.post("")
def save(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    templates: TemplatesDep,
    response: Annotated[str, Form(max_length=20)] = "",
    resolution: Annotated[str, Form(max_length=20)] = "",
    satisfaction: Annotated[str, Form(max_length=20)] = "",
    average_rating: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    values = {
        "response": response,
        "resolution": resolution,
        "satisfaction": satisfaction,
        "average_rating": average_rating,
    }
    try:
        update_weights(engine, me.actor, values)
    except WeightsRejected as rejected:
        context = _context(engine, values=values, error=rejected.message)
        return templates.render(request, "dashboard/weights.html", context, status_code=422)
    return templates.render(request, "dashboard/weights.html", _context(engine, saved=True))
