"""Bulk decisions from the inbox (批量签收 / 批量接单): one form, many cases, a result per case.

htmx: the result block (`#bulk-result`) comes back and the inbox refreshes itself (`inbox-changed`);
a plain form gets the result page with a link back. Bad input (nothing ticked, no response, a role
with no bulk action) is 422 with the reason and sends nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from web.deps import ClientDep, CsrfProtected, CurrentUser, EngineDep, Fragment
from web.htmx import trigger
from web.schemas.errors import describe
from web.services.bulk import BulkInvalid, BulkRequest, bulk_decide
from web.templating import TemplatesDep

router = APIRouter(prefix="/inbox/bulk", tags=["bulk"], dependencies=[CsrfProtected])


@router.post("")
async def bulk(
    request: Request,
    me: CurrentUser,
    engine: EngineDep,
    client: ClientDep,
    templates: TemplatesDep,
    fragment: Fragment,
) -> Response:
    form = await request.form()
    values = {
        "action": form.get("action", ""),
        "codes": [c for c in form.getlist("codes") if isinstance(c, str)],
        # the one text every case gets: 当日首次响应内容 (response) or 签收说明 (note)
        "text": form.get("response", form.get("note", "")),
    }

    def show(status: int, **context: object) -> Response:
        context = {"result": None, "error": "", "active": "inbox", **context}
        headers = trigger(inbox_changed=None) if status == 200 else None
        return templates.render(
            request, "bulk/result.html", context, fragment=fragment, status_code=status, headers=headers
        )

    try:
        wanted = BulkRequest.model_validate(values)
    except ValidationError as invalid:
        return show(422, error=describe(invalid.errors()))
    try:
        result = await bulk_decide(engine, client, me.actor, wanted)
    except BulkInvalid as invalid:
        return show(422, error=invalid.message)
    return show(200, result=result)
