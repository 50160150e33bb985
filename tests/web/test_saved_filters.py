"""Saved inbox filters (常用筛选): saved under a name, opened in one click, deleted by their owner
only; bad names and filters are refused and change nothing."""

from __future__ import annotations

from sqlmodel import Session, func, select

from store.officer_tools import MAX_SAVED_FILTERS, SavedFilter


def kept(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(SavedFilter)).one())


async def test_an_officer_saves_opens_and_deletes_a_filter(app, browser, engine):
    street = await browser("street-dongcheng")
    inbox = await street.get("/?tab=overdue&stage=sign")
    assert 'id="saved-filters"' in inbox.text and "尚未保存常用筛选" in inbox.text
    # The filter form's fields (htmx includes them): the filters on screen now.
    saved = await street.post(
        "/inbox/filters",
        {"name": "超期待签收", "tab": "overdue", "stage": "sign", "text": "", "query": "tab=todo"},
        htmx=True,
        target="saved-filters",
    )
    assert saved.status_code == 200 and saved.text.lstrip().startswith('<div id="saved-filters"')
    assert 'href="/?tab=overdue&amp;stage=sign"' in saved.text and "超期待签收" in saved.text
    assert "toast" in saved.headers["HX-Trigger"]
    # A plain form keeps the page's own query string, and goes back to that inbox.
    plain = await street.post("/inbox/filters", {"name": "我的认领", "query": "tab=todo&mine=1&page=3"})
    assert plain.status_code == 303 and plain.headers["location"] == "/?mine=1"
    inbox = await street.get("/?tab=overdue&stage=sign")
    assert (
        '<a class="chip on" href="/?tab=overdue&amp;stage=sign" aria-current="true">超期待签收</a>'
        in inbox.text
    )
    assert '<a class="chip" href="/?mine=1">我的认领</a>' in inbox.text
    # The same name again replaces it rather than adding a second.
    await street.post("/inbox/filters", {"name": "我的认领", "query": "tab=soon&mine=1"})
    assert kept(engine) == 2
    # Only the owner deletes it.
    with Session(engine) as session:
        mine = session.exec(select(SavedFilter).where(SavedFilter.name == "我的认领")).one()
    other = await browser("street-xihu")
    assert (await other.post(f"/inbox/filters/{mine.id}/delete")).status_code == 404
    assert "我的认领" not in (await other.get("/")).text
    assert kept(engine) == 2
    gone = await street.post(f"/inbox/filters/{mine.id}/delete", htmx=True, target="saved-filters")
    assert gone.status_code == 200 and "我的认领" not in gone.text and kept(engine) == 1
    assert (await street.post("/inbox/filters/999999/delete")).status_code == 404


async def test_bad_filters_are_refused_and_nothing_is_kept(app, browser, engine):
    street = await browser("street-dongcheng")
    for data, message in (
        ({"name": "", "tab": "todo"}, "请填写名称"),
        ({"name": "x" * 41, "tab": "todo"}, "请填写名称"),
        ({"name": "坏的", "tab": "nowhere"}, "分类"),
        ({"name": "坏的", "query": "stage=flying"}, "选项无效"),
    ):
        refused = await street.post("/inbox/filters", data, htmx=True, target="saved-filters")
        assert refused.status_code == 422 and message in refused.text, (data, refused.text)
        plain = await street.post("/inbox/filters", data)
        assert plain.status_code == 422
    assert kept(engine) == 0
    for n in range(MAX_SAVED_FILTERS):
        assert (await street.post("/inbox/filters", {"name": f"f{n}", "query": ""})).status_code == 303
    full = await street.post(
        "/inbox/filters", {"name": "one more", "query": ""}, htmx=True, target="saved-filters"
    )
    assert full.status_code == 409 and f"最多保存 {MAX_SAVED_FILTERS} 个" in full.text
    assert kept(engine) == MAX_SAVED_FILTERS
    assert (await street.post("/inbox/filters", {"name": "x"}, csrf=False)).status_code == 403
