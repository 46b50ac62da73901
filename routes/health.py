"""GET /healthz: is the process up, and does the database answer?"""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from data.db import database_status
from web.dependencies import PortalRuntime

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(runtime: PortalRuntime) -> JSONResponse:
    """200 with {"status": "ok", "database": "ok"} when healthy, 503 otherwise."""
    database = database_status(runtime.engine)
    healthy = database == "ok"
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "database": database,
         "backend": runtime.engine.url.get_backend_name()},
        status_code=200 if healthy else 503,
    )
