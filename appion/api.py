"""The REST API (issue #16): one NinjaAPI under /api/v1/, assembled from each app's
routers (`<app>/api.py`). It is project glue, so it may import every app. The API is a
thin layer over the apps' forms, services and selectors: no rule is written here."""

from ninja import NinjaAPI

from accounts import api as accounts_api
from locations import api as locations_api
from reports import api as reports_api
from scheduling import api as scheduling_api

api = NinjaAPI(
    title="Appion API",
    version="1",
    urls_namespace="api",
    description="Doctor appointments in Bangladesh: the same rules as the web pages.",
)

api.add_router("/auth", accounts_api.router)
api.add_router("/auth", scheduling_api.registration_router)
api.add_router("/users", accounts_api.users_router)
api.add_router("/locations", locations_api.router)
api.add_router("/specializations", accounts_api.specializations_router)
api.add_router("/doctors/schedule", scheduling_api.schedule_router)  # before /doctors/{id}
api.add_router("", scheduling_api.router)
api.add_router("/appointments", scheduling_api.appointments_router)
api.add_router("/admin", scheduling_api.admin_router)
api.add_router("/admin", accounts_api.admin_router)
api.add_router("/admin/reports", reports_api.router)
api.add_router("/dashboard", reports_api.dashboard_router)
