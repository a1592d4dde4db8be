"""Every answer under /api/ is JSON, errors included: django-ninja answers its own
errors as {"detail": ...}, and this middleware gives the same shape to the few that
reach a client from elsewhere — an unknown path (Django's 404 page), a method an
endpoint does not take (ninja's plain-text 405) and an uncaught exception (the 500
page) — keeping their status and headers (Allow, Retry-After)."""

from http import HTTPStatus

from django.http import JsonResponse

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_request(request)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        json_response = JsonResponse(
            {"detail": HTTPStatus(response.status_code).phrase},
            status=response.status_code,
        )
        for header in ("Allow", "Retry-After"):
            if header in response:
                json_response[header] = response[header]
        return json_response
