"""Page routes answer with pages: a use case's refusal, a missing sign-in or a malformed path
becomes a page in the reader's language, never the JSON API's error body."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from services.errors import Forbidden, NotFound, RateLimited, ServiceError, Unauthorized, Unavailable
from web.core.i18n import LANGUAGE_COOKIE, N_, language, negotiate
from web.core.pages import Page, SignInNeeded, sign_in_url

TITLES = {
    400: N_("This request cannot be done"),
    403: N_("This page is not for your role"),
    404: N_("Not found"),
    409: N_("This cannot be done now"),
    429: N_("Too many attempts"),
    503: N_("The service is busy"),
}
TEXTS = {
    400: N_("Please go back and try again."),
    403: N_("Sign in with an account that may see it."),
    404: N_("There is nothing here, or nothing you may see."),
    409: N_("The case has moved on; go back to see where it stands."),
    429: N_("Please wait a minute before you try again."),
    503: N_("Nothing was lost; please try again in a moment."),
}


def error_page(request: Request, status: int, detail: str = "") -> Response:
    lang = language(negotiate(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")))
    page = Page(request, ctx=None, lang=lang, user=None)  # type: ignore[arg-type]
    return page.render(
        "error.html",
        status=status,
        title=lang.gettext(TITLES.get(status, TITLES[400])),
        text=lang.gettext(TEXTS.get(status, TEXTS[400])),
        detail=detail,
    )


STATUS: list[tuple[type[ServiceError], int]] = [
    (NotFound, 404),
    (Forbidden, 403),
    (RateLimited, 429),
    (Unavailable, 503),
]


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except (SignInNeeded, Unauthorized):
                return RedirectResponse(sign_in_url(request), status_code=303)
            except RequestValidationError:
                return error_page(request, 404)
            except ServiceError as refused:
                status = next((code for kind, code in STATUS if isinstance(refused, kind)), 400)
                return error_page(request, status)
            except HTTPException as refused:
                return error_page(request, refused.status_code if refused.status_code in TITLES else 400)

        return page_handler
