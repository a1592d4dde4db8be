"""The REST API (issue #16): one NinjaAPI under /api/v1/, assembled from each app's
routers (`<app>/api.py`). It is project glue, so it may import every app. The API is a
thin layer over the apps' forms, services and selectors: no rule is written here."""

from ninja import NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema

from accounts import api as accounts_api
from locations import api as locations_api
from reports import api as reports_api
from scheduling import api as scheduling_api


class AppionOpenAPISchema(OpenAPISchema):
    """The OpenAPI document, with the answers django-ninja itself gives on any operation
    added to each operation's own: 401 where a bearer token is required (none, or not a
    valid one), 422 with field errors where there are parameters or a body it validates,
    and 400 where a JSON body cannot be parsed. An endpoint's own `response` map wins
    where it names the same status. Schemathesis holds every answer to this document
    (appion/tests/test_api_schema.py)."""

    FRAMEWORK_ANSWERS = (
        (401, "Unauthorized", accounts_api.DetailOut),
        (422, "Unprocessable Content", accounts_api.ErrorsOut),
        (400, "Bad Request", accounts_api.DetailOut),
    )

    def responses(self, operation):
        result = super().responses(operation)
        sources = {model.__ninja_param_source__ for model in operation.models}
        answers = {
            401: bool(operation.auth_callbacks),
            422: bool(sources),
            400: "body" in sources,
        }
        for status, description, model in self.FRAMEWORK_ANSWERS:
            if answers[status] and status not in result:
                result[status] = {
                    "description": description,
                    "content": {self.api.renderer.media_type: {"schema": self._ref(model)}},
                }
        return result

    def _ref(self, model):
        name = model.__name__
        schema = model.model_json_schema(
            ref_template=REF_TEMPLATE,
            schema_generator=NinjaGenerateJsonSchema,
            mode="serialization",
        )
        self.add_schema_definitions({name: schema})
        return {"$ref": REF_TEMPLATE.format(model=name)}


class AppionAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return AppionOpenAPISchema(api=self, path_prefix=path_prefix)


api = AppionAPI(
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
