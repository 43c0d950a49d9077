"""The page routers, for `create_app` (a module of its own: the error handlers import
`api.pages.common` and must not import every page with it)."""

from __future__ import annotations

from types import ModuleType

from api.pages import (
    audit,
    children,
    exceptions,
    family_finding,
    family_links,
    imports,
    matches,
    placements,
    planner,
    proposals,
    referrals,
    runs,
    signin,
    users,
)

#: Matched before the JSON routes (a page answers only a request asking for HTML, so a
#: JSON client never reaches one). Add a new page module here.
ROUTERS: tuple[ModuleType, ...] = (
    signin,
    referrals,
    children,
    matches,
    proposals,
    placements,
    runs,
    family_links,
    family_finding,
    planner,
    users,
    audit,
    imports,
    exceptions,
)
