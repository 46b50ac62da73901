"""The one way the web layer reaches the running portal and the acting principal.

Routes and pages name them as parameters (`runtime: PortalRuntime`, `principal: CurrentPrincipal`),
FastAPI resolves them per request; web helpers that run outside a request (event handlers, timers)
call `portal_runtime()`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from nicegui import app

from services.config.runtime import Runtime
from services.principal import Principal
from web.session_cookie import request_info


def portal_runtime() -> Runtime:
    """The runtime `portal.create_app` put on the app: settings, database engine, secret key."""
    runtime = getattr(app.state, "runtime", None)
    if runtime is None:
        raise RuntimeError("the portal app is not created: call portal.create_app first")
    return runtime


def current_principal(request: Request) -> Principal:
    """Who acts in this request: the principal of the full session the access gate resolved (no
    other request reaches a page or a signed-in route)."""
    state = getattr(request.state, "session_state", None)
    if state is None or not state.mfa_passed:
        raise RuntimeError("reached without a full session: is the path missing from the access gate?")
    return state.principal(request_info(request))


PortalRuntime = Annotated[Runtime, Depends(portal_runtime)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
