"""What every page stands on: the use cases' context, the reader's language, who is signed in,
the CSRF token its forms carry, and rendering a template with all of it.

Pages call the same use cases as the JSON API (`services/`); a `ServiceError` becomes a page
in the reader's language (`web.app`), never a second copy of a rule.
"""

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from domain.bureaus import TOP
from domain.wording import sentence_for
from services import accounts, auth, files
from services.context import Audit, Context, Resources
from services.errors import FieldError, Unauthorized
from services.principal import Principal
from web.core import cookies, labels
from web.core.i18n import LANGUAGE_COOKIE, N_, Language, language, negotiate
from web.core.reasons import by_field
from web.core.recorded import Recorded

TEMPLATES = Path(__file__).parent.parent / "templates"
EXPIRED = N_("This form has expired; please send it again.")
SESSION_DAYS = 1  # the cookie's life; the login's own expiry ends it sooner


@dataclass
class Page:
    """One request to a page: the context its use cases run in, and what it renders with."""

    request: Request
    ctx: Context
    lang: Language
    user: Principal | None  # a staff member signed in
    unread: int = 0  # the signed-in member's notifications not read yet
    cookies_to_set: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    @property
    def binding(self) -> str:
        """What this page's CSRF tokens are bound to: the login, or this browser."""
        return f"login:{self.user.session_id}" if self.user else f"visitor:{cookies.visitor(self.request)}"

    def csrf(self) -> str:
        return cookies.csrf_token(self.request, self.binding)

    @property
    def upload_limit(self) -> str:
        return files.size(self.ctx.settings.upload_max_bytes)

    def bureau_name(self, code: str | None) -> str:
        """The bureau that handles a case of this bureau code (or, from before bureaus, division)."""
        return self.ctx.settings.bureau_tree().competent(code).name if code else ""

    def bureaus(self) -> list[tuple[str, str]]:
        """The bureaus of the signed-in member's area, their own first: a queue's choices."""
        tree = self.ctx.settings.bureau_tree()
        area = self.user.bureau if self.user and self.user.bureau else TOP
        return [(b.code, b.name) for b in tree.within(area)]

    def bureaus_elsewhere(self, code: str | None) -> list[tuple[str, str]]:
        """Every bureau but the one that handles the case: where a transfer may send it."""
        tree = self.ctx.settings.bureau_tree()
        here = tree.competent(code).code if code else TOP
        return [(b.code, b.name) for b in tree.within(TOP) if b.code != here]

    @property
    def empty(self) -> FormData:
        """No values: a form shown afresh."""
        return FormData()

    def _(self, message: str, **values: Any) -> str:
        return self.lang.gettext(message, **values)

    def errors(self, errors: list[FieldError]) -> dict[str, str]:
        return by_field(errors, self.lang)

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        env = _environment(self.lang.code)
        html = env.get_template(template).render(page=self, **values)
        response = HTMLResponse(html, status_code=status)
        self.finish(response)
        return response

    def redirect(self, to: str) -> RedirectResponse:
        response = RedirectResponse(to, status_code=303)
        self.finish(response)
        return response

    def finish(self, response: Any) -> None:
        """Set what the page set aside: a new visitor's value, sign-in, a proved case."""
        if hasattr(self.request.state, "new_visitor"):
            cookies.set_cookie(
                self.request, response, cookies.VISITOR, self.request.state.new_visitor, max_age=None
            )
        for name, (value, max_age) in self.cookies_to_set.items():
            if value:
                cookies.set_cookie(self.request, response, name, value, max_age=max_age)
            else:
                response.delete_cookie(name, path="/")


_ENVIRONMENTS: dict[str, Environment] = {}


def _environment(code: str) -> Environment:
    env = _ENVIRONMENTS.get(code)
    if env is None:
        lang = language(code)
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals |= {
            "_": lang.gettext,
            "lang": lang,
            "label": lambda kind, value: labels.label(lang, kind, value),
            "known": labels.known,
            "recorded": Recorded(lang),
            "notification": lambda n: sentence_for(
                n.topic,
                lang.code,
                recorded=n.subject,
                tracking_no=n.tracking_no,
                enterprise=n.enterprise_name or n.enterprise_code or "",
            ),
        }
        env.filters |= {"when": lang.when, "day": lang.day, "money": lang.money, "size": lang.size}
        _ENVIRONMENTS[code] = env
    return env


# --- the dependency ------------------------------------------------------------------------------


def _audit(request: Request) -> Audit:
    note: Audit | None = getattr(request.state, "audit", None)
    if note is None:
        note = request.state.audit = Audit()
    return note


async def _page(request: Request) -> AsyncIterator[Page]:
    system: Resources = request.app.state.resources
    async with system.db.sessions() as session:
        ctx = Context(
            system,
            session,
            client=request.client.host if request.client else "unknown",
            audit=_audit(request),
        )
        lang = language(
            negotiate(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
        )
        user = None
        signed = cookies.unsign(system.settings.secret, cookies.SESSION, request.cookies.get(cookies.SESSION))
        if signed and isinstance(signed.get("login"), str):
            try:
                user = await auth.signed_in_as(ctx, signed["login"])
            except Unauthorized:
                user = None
        unread = (await accounts.unread_count(ctx, principal=user)).unread if user else 0
        yield Page(request, ctx, lang, user, unread)


PageDep = Annotated[Page, Depends(_page)]


class SignInNeeded(Exception):
    """A staff page asked for without a sign-in that holds: the sign-in page, then back."""


def staff(page: PageDep) -> Page:
    if page.user is None:
        raise SignInNeeded()
    return page


StaffPage = Annotated[Page, Depends(staff)]


def sign_in_url(request: Request) -> str:
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/sign-in?next={quote(back)}"


def local(path: str | None, default: str = "/") -> str:
    """A path on this site to go on to, never another site's."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path


async def form(request: Request) -> FormData:
    return await request.form()


def csrf_ok(page: Page, data: Mapping[str, Any]) -> bool:
    """Whether the form carries this page's CSRF token: a form from elsewhere does not."""
    return cookies.csrf_holds(page.request, page.binding, data.get(cookies.CSRF_FIELD))
