"""Sign-in, second factor, sign-out and account changes as HTTP form posts: only a plain HTTP
response can set or clear the session cookie (NiceGUI events run over a websocket)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.auth import account, login, team
from services.auth.throttle import rate_limiter
from services.errors import InvalidInput, NotFound
from web.dependencies import CurrentPrincipal, PortalRuntime, portal_runtime
from web.refusals import throttled
from web.session_cookie import (
    clear_session_cookie,
    read_session_token,
    refuse_foreign_origin,
    request_info,
    safe_next_path,
    set_session_cookie,
)

FormText = Annotated[str, Form(max_length=4096)]


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _refuse_foreign_origin(request: Request) -> Response | None:
    return refuse_foreign_origin(request, portal_runtime().settings.public_url)


def _with_next(path: str, next_path: str, **query: str) -> str:
    params = [f"next={quote(next_path, safe='')}"] if next_path != "/" else []
    params += [f"{key}={value}" for key, value in query.items()]
    return f"{path}?{'&'.join(params)}" if params else path


def _too_many_attempts() -> Response:
    return throttled("Too many sign-in attempts came from your network. Wait a minute, then try again.",
                     retry_after_seconds=60, heading="Too many sign-in attempts", link=("/login", "Try again"))


def build_auth_router() -> APIRouter:
    """A router with its own per-IP limiter (a new app start gets fresh counters)."""
    settings = portal_runtime().settings
    login_limiter = rate_limiter(settings.redis_url, "login-posts-per-ip", settings.login_posts_per_ip_minute, 60)
    router = APIRouter(prefix="/auth", include_in_schema=False)

    @router.post("/login")
    def post_login(request: Request, runtime: PortalRuntime, email: FormText = "", password: FormText = "", next: FormText = "/") -> Response:  # noqa: A002
        if refused := _refuse_foreign_origin(request):
            return refused
        info = request_info(request)
        if not login_limiter.allow(info.ip or "unknown"):
            return _too_many_attempts()
        next_path = safe_next_path(next)
        with runtime.unit_of_work() as db:
            accepted = login.sign_in_with_password(db, runtime, email, password, info)
        if accepted is None:
            return _see_other(_with_next("/login", next_path, error="invalid"))
        response = _see_other(_with_next("/login/enroll" if accepted.needs_enrollment else "/login/mfa", next_path))
        set_session_cookie(response, request, accepted.token)
        return response

    def _second_factor_response(request: Request, result: login.SecondFactorResult, retry_path: str,
                                next_path: str) -> Response:
        if result.token is not None:
            response = _see_other(next_path)
            set_session_cookie(response, request, result.token)
            return response
        if result.discarded:
            response = _see_other(_with_next("/login", next_path, error="invalid"))
            clear_session_cookie(response, request)
            return response
        return _see_other(_with_next(retry_path, next_path, error="code"))

    @router.post("/mfa")
    def post_mfa(request: Request, runtime: PortalRuntime, code: FormText = "", next: FormText = "/") -> Response:  # noqa: A002
        if refused := _refuse_foreign_origin(request):
            return refused
        with runtime.unit_of_work() as db:
            result = login.verify_second_factor(db, runtime, read_session_token(request), code,
                                                request_info(request))
        return _second_factor_response(request, result, "/login/mfa", safe_next_path(next))

    @router.post("/mfa/enroll")
    def post_enroll(request: Request, runtime: PortalRuntime, code: FormText = "", next: FormText = "/") -> Response:  # noqa: A002
        if refused := _refuse_foreign_origin(request):
            return refused
        with runtime.unit_of_work() as db:
            result = login.confirm_enrollment(db, runtime, read_session_token(request), code,
                                              request_info(request))
        if result.token is not None:
            # Recovery codes first; they are shown once, then the user goes on.
            response = _see_other(_with_next("/account/recovery-codes", safe_next_path(next)))
            set_session_cookie(response, request, result.token)
            return response
        return _second_factor_response(request, result, "/login/enroll", safe_next_path(next))

    @router.post("/invite")
    def post_invite(request: Request, runtime: PortalRuntime, token: FormText = "", password: FormText = "", repeat: FormText = "") -> Response:
        if refused := _refuse_foreign_origin(request):
            return refused
        info = request_info(request)
        if not login_limiter.allow(info.ip or "unknown"):  # guessing links costs like guessing passwords
            return _too_many_attempts()
        link = f"/invite/{quote(token[:128], safe='')}"
        if password != repeat:
            return _see_other(f"{link}?problem=mismatch")
        try:
            with runtime.unit_of_work() as db:
                team.accept_invitation(db, runtime, token, password, info)
        except (InvalidInput, NotFound) as error:
            return _see_other(f"{link}?problem={error.code}")
        return _see_other("/login?error=password_set")

    @router.post("/logout")
    def post_logout(request: Request, runtime: PortalRuntime) -> Response:
        if refused := _refuse_foreign_origin(request):
            return refused
        with runtime.unit_of_work() as db:
            login.sign_out(db, runtime, read_session_token(request), request_info(request))
        response = _see_other("/login?error=signed_out")
        clear_session_cookie(response, request)
        return response

    @router.post("/password")
    def post_password(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal, current: FormText = "", new: FormText = "",
                      repeat: FormText = "") -> Response:
        if refused := _refuse_foreign_origin(request):
            return refused
        if new != repeat:
            return _see_other("/settings?password=mismatch")
        with runtime.unit_of_work() as db:
            change = account.change_password(db, runtime, principal, current, new)
        if change.token is None:
            return _see_other(f"/settings?password={change.problem}")
        response = _see_other("/settings?password=changed")
        set_session_cookie(response, request, change.token)
        return response

    @router.post("/sessions/revoke-others")
    def post_revoke_others(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal) -> Response:
        if refused := _refuse_foreign_origin(request):
            return refused
        with runtime.unit_of_work() as db:
            ended = account.sign_out_other_sessions(db, runtime, principal)
        return _see_other(f"/settings?ended={ended}")

    @router.post("/recovery-codes")
    def post_recovery_codes(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal) -> Response:
        if refused := _refuse_foreign_origin(request):
            return refused
        with runtime.unit_of_work() as db:
            account.regenerate_recovery_codes(db, runtime, principal)
        return _see_other("/account/recovery-codes?next=/settings")

    return router
