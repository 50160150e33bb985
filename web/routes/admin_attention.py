"""Admin: cases whose projection the read model refused, and asking one to write itself again."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from settings import Settings
from web.deps import ClientDep, CsrfProtected, CurrentUser, EngineDep, require_roles
from web.i18n import TEXT
from web.services.attention import attention_list, reproject
from web.services.case_view import temporal_url
from web.services.cases import DecisionRefused
from web.templating import TemplatesDep
from workflows.types import Role

router = APIRouter(
    prefix="/admin/attention", tags=["admin"], dependencies=[CsrfProtected, require_roles(Role.ADMIN)]
)


@router.get("")
def attention(request: Request, engine: EngineDep, templates: TemplatesDep, notice: str = "") -> Response:
    settings: Settings = request.app.state.settings
    rows = [(row, temporal_url(settings, row.case_code)) for row in attention_list(engine)]
    notices = {"written": TEXT["attention_written"], "refused": TEXT["attention_refused"]}
    context = {"active": "attention", "rows": rows, "notice": notices.get(notice, "")}
    return templates.render(request, "admin/attention.html", context)


@router.post("/{code}/reproject")
async def rewrite(code: str, me: CurrentUser, client: ClientDep) -> Response:
    try:
        written = await reproject(client, me.actor, code)
    except DecisionRefused:
        written = False
    return RedirectResponse(f"/admin/attention?notice={'written' if written else 'refused'}", status_code=303)
