"""A child's page (a first outline: the issue's journey 2 builds it out). The same
service as `GET /children/{id}`, so the same scope (another LA's child is the same 404
page as an unknown id) and the same audit entry (`child.read`)."""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

import vocab
from api.deps import StaffPage, Svc
from api.pages.common import page_router, render
from api.routes.common import RecordId
from api.services import children

router = page_router()


@router.get("/children/{child_id}", response_class=HTMLResponse)
async def child_page(
    request: Request, child_id: RecordId, user: StaffPage, svc: Svc
) -> HTMLResponse:
    child = await run_in_threadpool(children.read_child, svc, user, child_id)
    needs = [vocab.NEED_LABELS.get(n, n) for n in child.get("needs", [])]
    return render(
        request,
        "child.html",
        title=f"Child {child['id']}",
        child=child,
        needs=needs,
    )
