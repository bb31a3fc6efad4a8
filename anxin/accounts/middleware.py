"""The second login step is enforced here, after AuthenticationMiddleware and OTPMiddleware.

A logged-in session that is not verified by django-otp reaches only a short allow-list when
something is due (``anxin.accounts.two_factor.pending_step``): an enrolled user must enter a code
(verification page); a user whose role requires two-factor login but who has not set it up must
set it up (enrolment page). Every other page redirects there; API calls made with the session get
403. API calls with a token (``Authorization: Bearer``) are not affected: a token is a separate
credential, checked by ``anxin.accounts.tokens``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from anxin.accounts.tokens import SCHEMES
from anxin.accounts.two_factor import ENROL, VERIFY, pending_step, session_verified

# Reachable whatever is due: logging in and out, the language switch, the health check, and the
# public survey page (open to anyone with the link). Error pages are not views of their own: an
# unknown address is let through to its 404, and a refusal is rendered where it happens.
ALWAYS = frozenset(
    {"accounts:login", "accounts:logout", "set_language", "healthz", "survey-public:answer"}
)
ALLOWED = {
    VERIFY: ALWAYS | {"accounts:two-factor-verify"},
    ENROL: ALWAYS | {"accounts:two-factor", "accounts:two-factor-confirm"},
}
API_PREFIX = "/api/"
TARGET = {VERIFY: "accounts:two-factor-verify", ENROL: "accounts:two-factor"}


def _token_call(request: HttpRequest) -> bool:
    scheme = request.headers.get("Authorization", "").strip().partition(" ")[0]
    return scheme.lower() in SCHEMES


def _view_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None  # a 404 page shows nothing worth guarding


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or session_verified(user):
            return None
        if request.path_info.startswith(settings.STATIC_URL):
            return None
        # A token call is let through only where a token is the credential, the API, which then
        # refuses a bad token outright. A page does not read the header: letting a page request
        # through for it would let a password alone, plus any "Bearer x", past the second step.
        if request.path_info.startswith(API_PREFIX) and _token_call(request):
            return None
        name = _view_name(request)
        if name is None or name in ALWAYS:
            return None
        step = pending_step(user)  # type: ignore[arg-type]
        if step is None or name in ALLOWED[step]:
            return None
        if request.path_info.startswith(API_PREFIX):
            message = (
                _("Enter your two-factor login code on the login page first.")
                if step == VERIFY
                else _("Set up two-factor login first: your organisation requires it.")
            )
            return JsonResponse({"detail": message}, status=403)
        target = reverse(TARGET[step])
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request") == "true":  # htmx swaps a 302 into the page
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
