"""Plain HTTP routes (health, sign-in posts, downloads, API) and the middleware around them all."""

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from routes import auth, documents, exports, health, ledger_api, staff_downloads
from routes.access_gate import AccessGate
from routes.body_limits import BodyLimitMiddleware
from routes.security_headers import SecurityHeadersMiddleware, security_headers
from services.errors import PortalError
from web.refusals import portal_error_answer


def register_routes(app: FastAPI) -> None:
    """Add every HTTP route and the security middleware to `app`."""
    app.include_router(health.router)
    app.include_router(auth.build_auth_router())
    app.include_router(documents.router)
    app.include_router(exports.router)
    app.include_router(ledger_api.router)
    app.include_router(staff_downloads.router)
    app.add_exception_handler(PortalError, portal_error_answer)
    # Added last = runs first: headers wrap everything, bodies are counted before anything inside
    # reads them, the gate guards everything inside.
    app.add_middleware(AccessGate)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)

    @app.exception_handler(500)
    async def server_error(request: Request, error: Exception) -> PlainTextResponse:
        # Starlette answers 500s outside all middleware: give them the same headers here.
        headers = security_headers(https=request.url.scheme == "https", cacheable=False)
        if isinstance(error, sa.exc.OperationalError):
            # The database was busy (SQLite's write lock past the busy timeout) or briefly gone: the
            # transaction rolled back, so nothing changed, and trying again shortly will work.
            return PlainTextResponse("The portal is busy for a moment and nothing was changed. Please try again "
                                     "in a few seconds.", status_code=503, headers=headers | {"retry-after": "5"})
        return PlainTextResponse("Something went wrong on our side. Please try again.", status_code=500,
                                 headers=headers)
