"""Plain HTTP routes (health, sign-in posts, downloads, API), beside the NiceGUI pages."""

from fastapi import FastAPI

from routes import health


def register_routes(app: FastAPI) -> None:
    """Add every HTTP route to `app`."""
    app.include_router(health.router)
