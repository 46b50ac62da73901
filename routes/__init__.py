"""Plain HTTP routes (health, sign-in posts, downloads, API) and the middleware around them all."""

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from routes import auth, documents, exports, health, ledger_api, staff_downloads
from routes.access_gate import AccessGate
from routes.security_headers import SecurityHeadersMiddleware, security_headers


def register_routes(app: FastAPI) -> None:
    """Add every HTTP route and the security middleware to `app`."""
    app.include_router(health.router)
    app.include_router(auth.build_auth_router())
    app.include_router(documents.router)
    app.include_router(exports.router)
    app.include_router(ledger_api.router)
    app.include_router(staff_downloads.router)
    # Added last = runs first: headers wrap everything, the gate guards everything inside.
    app.add_middleware(AccessGate)
    app.add_middleware(SecurityHeadersMiddleware)

    @app.exception_handler(500)
    async def server_error(request: Request, _error: Exception) -> PlainTextResponse:
        # Starlette answers 500s outside all middleware: give them the same headers here.
        return PlainTextResponse("Something went wrong on our side. Please try again.", status_code=500,
                                 headers=security_headers(https=request.url.scheme == "https", cacheable=False))
