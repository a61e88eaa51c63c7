"""Access control and hardening for the server under the Dash app.

``install(app)`` (the Dash app, or its Flask server) adds, in front of every route
(pages, ``/_dash-layout``, ``/_dash-dependencies``, ``/_dash-update-component``
and so downloads, assets, component suites, unknown paths):

Authentication, off by default, on with one setting (``MHFLOW_AUTH``):
- ``basic``: HTTP basic auth for a small team. ``MHFLOW_AUTH_USERS`` holds
  comma-separated ``user:hash`` pairs, each hash from werkzeug's
  ``generate_password_hash`` (print one with ``python -m dashboard hash-password --user NAME``).
  A verified password is remembered per process (as an HMAC, never in clear), so
  the deliberately slow hash is paid once per user, not once per callback.
- ``header``: trust the user name that the organisation's reverse proxy sets
  after single sign-on (``MHFLOW_AUTH_HEADER``, default ``X-Remote-User``). Safe
  only when the app is reachable through that proxy alone (bind to 127.0.0.1 or a
  private network) and the proxy overwrites the header on every request.
A request without valid credentials gets 401 (with ``WWW-Authenticate`` for
basic). Any other value of ``MHFLOW_AUTH`` stops the app at start-up: a typo must
not leave the data open.

The detailed view (exact figures, marked "Detailed figures: not for onward sharing")
is granted by the operator only, never by the browser, and only behind authentication:
``MHFLOW_DETAILED_USERS`` names users (basic-auth users, or the proxy's user header), and
``MHFLOW_DETAILED_GROUPS`` names groups that the single sign-on proxy lists in
``MHFLOW_AUTH_GROUPS_HEADER`` (header mode only: under basic auth a group header would come
from the browser). It is resolved on every request, after authentication
(``request_policy``); a grant with authentication off stops the app at start-up.
``check_configuration`` checks every operator setting (these, and dashboard.settings') at
start-up and raises one error whose message is one line naming the variable.

Security headers on every response: a content security policy Dash works under
(no CDN: everything from 'self'; inline scripts only by the hashes of Dash's own
inline scripts; inline styles allowed because components set style attributes;
``data:``/``blob:`` images for plotly's image export; no framing), plus nosniff,
same-origin referrer and ``X-Frame-Options: DENY``.

No stack traces to the browser: an unhandled error returns a plain message with a
reference, and the traceback goes to the server log. Debug is off unless
``python -m dashboard serve --debug`` turns it on (``FLASK_DEBUG`` cannot).

Callback requests are checked before Dash reads them: a body that is not the
Dash protocol, names a callback that does not exist, an element id the server
never made (an unknown chart or page) or a filter store that is not an object is
refused with 400; bodies over 1 MiB with 413.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping

from flask import Flask, Response, g, has_request_context, request
from werkzeug.exceptions import InternalServerError
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.core.disclosure import Policy
from dashboard.settings import SettingError, get_settings, setting_names, unknown_variables
from dashboard.web.throttle import Throttled, ThrottledVerifier

log = logging.getLogger(__name__)

AUTH_MODES = ("off", "basic", "header")
DEFAULT_AUTH_HEADER = "X-Remote-User"
# Every variable this module reads (check_configuration: any other MHFLOW_ name is a misspelling).
AUTH_VARIABLES = frozenset({"MHFLOW_AUTH", "MHFLOW_AUTH_USERS", "MHFLOW_AUTH_HEADER", "MHFLOW_DETAILED_USERS",
                            "MHFLOW_AUTH_GROUPS_HEADER", "MHFLOW_DETAILED_GROUPS"})
HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
GROUP_SEPARATORS = re.compile(r"[,;]")  # proxies list groups comma- (oauth2-proxy) or semicolon- (mellon) separated
REALM = "Mental health flow"
MAX_CALLBACK_BYTES = 1024 * 1024  # a real callback request is a few kilobytes
CALLBACK_PATH = "/_dash-update-component"

# CSP directives other than script-src (which gets the hashes of Dash's inline scripts).
CSP_BASE = (
    ("default-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)


class ConfigurationError(SettingError):
    """The operator's access settings are unusable (the app refuses to start; the message is one line)."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)


def _names(env: Mapping[str, str], name: str) -> frozenset[str]:
    """Return the comma-separated names of variable `name` (empty: none); ConfigurationError if malformed."""
    text = env.get(name) or ""
    names = [part.strip() for part in text.split(",")]
    if text.strip() and (not all(names) or any(len(n) > 256 for n in names)):
        raise ConfigurationError(f"{name}={text!r} is not allowed: comma-separated names, none empty")
    return frozenset(n for n in names if n)


def _header_name(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    text = env.get(name)
    value = (text if text is not None else default or "").strip()
    if not value:
        return default
    if not HEADER_NAME.match(value):
        raise ConfigurationError(f"{name}={text!r} is not allowed: an HTTP header name (letters, digits and -)")
    return value


@dataclass(frozen=True)
class AuthConfig:
    """How requests are authenticated ('off', 'basic' users → hashes, or 'header'), and who sees detailed figures."""

    mode: str = "off"
    users: Mapping[str, str] = field(default_factory=dict)
    header: str = DEFAULT_AUTH_HEADER
    detailed_users: frozenset[str] = frozenset()
    groups_header: str | None = None
    detailed_groups: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuthConfig:
        """Return the operator's auth settings from MHFLOW_AUTH* and MHFLOW_DETAILED_*; ConfigurationError if unusable."""
        env = os.environ if environ is None else environ
        raw = env.get("MHFLOW_AUTH")
        mode = (raw or "off").strip().lower()
        if mode in ("", "none", "0", "false", "no"):
            mode = "off"
        if mode not in AUTH_MODES:
            raise ConfigurationError(f"MHFLOW_AUTH={raw!r} is not allowed: one of {', '.join(AUTH_MODES)}")
        header = _header_name(env, "MHFLOW_AUTH_HEADER", DEFAULT_AUTH_HEADER) or DEFAULT_AUTH_HEADER
        users = parse_users(env.get("MHFLOW_AUTH_USERS", "")) if mode == "basic" else {}
        if mode == "basic" and not users:
            raise ConfigurationError("MHFLOW_AUTH_USERS is not allowed empty with MHFLOW_AUTH=basic: allowed values "
                                     "are user:hash[,user:hash…]")
        detailed_users = _names(env, "MHFLOW_DETAILED_USERS")
        detailed_groups = _names(env, "MHFLOW_DETAILED_GROUPS")
        groups_header = _header_name(env, "MHFLOW_AUTH_GROUPS_HEADER", None)
        if (detailed_users or detailed_groups) and mode == "off":
            name = "MHFLOW_DETAILED_USERS" if detailed_users else "MHFLOW_DETAILED_GROUPS"
            raise ConfigurationError(f"{name} is not allowed with MHFLOW_AUTH=off: the detailed view exists only "
                                     "behind authentication (set MHFLOW_AUTH to basic or header)")
        if groups_header and mode != "header":
            raise ConfigurationError(f"MHFLOW_AUTH_GROUPS_HEADER={groups_header!r} is allowed only with "
                                     "MHFLOW_AUTH=header (a group header is trusted only from the sign-on proxy)")
        if groups_header and groups_header.lower() == header.lower():
            raise ConfigurationError(f"MHFLOW_AUTH_GROUPS_HEADER={groups_header!r} is not allowed: "
                                     "it must differ from MHFLOW_AUTH_HEADER")
        if detailed_groups and not groups_header:
            raise ConfigurationError("MHFLOW_DETAILED_GROUPS is not allowed without MHFLOW_AUTH_GROUPS_HEADER "
                                     "(the header in which the sign-on proxy lists the user's groups)")
        unknown = sorted(detailed_users - set(users)) if mode == "basic" else []
        if unknown:
            raise ConfigurationError(f"MHFLOW_DETAILED_USERS names {unknown[0]!r}, who is not in MHFLOW_AUTH_USERS: "
                                     "allowed values are the basic-auth users")
        return cls(mode, users, header, detailed_users, groups_header, detailed_groups)

    def grants_detailed(self, user: str | None, groups: frozenset[str] | set[str] = frozenset()) -> bool:
        """Return whether an authenticated user (and their sign-on groups) may see the detailed view."""
        if self.mode == "off" or not user:
            return False
        return user in self.detailed_users or bool(self.detailed_groups & set(groups))


def check_configuration() -> AuthConfig:
    """Check every operator setting before the app serves anyone; return the auth settings.

    Raises SettingError (ConfigurationError for access settings) whose message is one line
    naming the variable and its allowed values: a misspelt name, an unknown value or one out
    of range stops the app rather than leave data open or protection weaker than configured.
    """
    known = setting_names() | AUTH_VARIABLES
    unknown = unknown_variables(known)
    if unknown:
        names = sorted(n for n in known if not n.startswith("MHFLOW_TARGET_")) + ["MHFLOW_TARGET_<METRIC>"]
        raise SettingError(unknown[0], os.environ[unknown[0]],
                           f"{unknown[0]} is not a setting (misspelt?); settings are {', '.join(names)}")
    get_settings()
    Policy.from_settings()  # the threshold and base together
    return AuthConfig.from_env()


def request_policy() -> Policy:
    """Return the disclosure policy of the request being served: detailed only when the operator granted it.

    Resolved on the server from the authenticated user (``g.detailed``, set by the authentication
    hook); outside a request, or for anyone not granted, the protected view.
    """
    if has_request_context() and g.get("detailed", False):
        return Policy.detailed_view()
    return Policy.from_settings()


def parse_users(text: str) -> dict[str, str]:
    """Return {user: password hash} from 'alice:<hash>,bob:<hash>' (hashes contain ':' but never ',')."""
    users: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        user, sep, hashed = item.partition(":")
        if not sep or not user or not hashed:
            raise ConfigurationError(f"MHFLOW_AUTH_USERS entry {user or item[:12]!r} is not allowed: "
                                     "allowed values are user:hash[,user:hash…]")
        if "$" not in hashed:
            raise ConfigurationError(f"MHFLOW_AUTH_USERS: the password of {user!r} is not allowed: allowed values "
                                     "are werkzeug hashes (make one with `python -m dashboard hash-password`)")
        users[user] = hashed
    return users


class _BasicVerifier:
    """Check basic-auth passwords, remembering successes so the slow hash runs once per user and password."""

    def __init__(self, users: Mapping[str, str], remember: int = 1024) -> None:
        self._users = dict(users)
        self._key = secrets.token_bytes(32)
        self._good: dict[bytes, None] = {}
        self._remember = remember
        self._lock = threading.Lock()
        # Unknown users are checked against a dummy hash so both paths take as long.
        self._dummy = generate_password_hash(secrets.token_urlsafe(16))

    def _token(self, user: str, password: str) -> bytes:
        return hmac.new(self._key, f"{user}\0{password}".encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def remembered(self, user: str, password: str) -> bool:
        """Return whether this user and password were verified before (no hash needed)."""
        token = self._token(user, password)
        with self._lock:
            return token in self._good

    def __call__(self, user: str, password: str) -> bool:
        token = self._token(user, password)
        with self._lock:
            if token in self._good:
                return True
        ok = check_password_hash(self._users.get(user, self._dummy), password) and user in self._users
        if ok:
            with self._lock:
                if len(self._good) >= self._remember:
                    self._good.pop(next(iter(self._good)))
                self._good[token] = None
        return ok


def _unauthorised(config: AuthConfig) -> Response:
    response = Response("Authentication required.\n", 401, mimetype="text/plain")
    if config.mode == "basic":
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def _too_many_attempts(retry_after: int) -> Response:
    response = Response("Too many failed sign-in attempts: try again later.\n", 429, mimetype="text/plain")
    response.headers["Retry-After"] = str(retry_after)
    return response


def _authenticator(config: AuthConfig) -> Callable[[], Response | None]:
    """Return the before-request hook that lets a request through only with valid credentials."""
    # Failed guesses are throttled per client and per user before any slow hash (dashboard.web.throttle).
    verify = ThrottledVerifier(_BasicVerifier(config.users)) if config.mode == "basic" else None

    def authenticate() -> Response | None:
        g.detailed = False  # until this request's user is known to hold the grant
        if config.mode == "header":
            user = (request.headers.get(config.header) or "").strip()
            if not user or len(user) > 256:
                return _unauthorised(config)
            g.user = user
            groups: frozenset[str] = frozenset()
            if config.groups_header:
                text = request.headers.get(config.groups_header) or ""
                groups = frozenset(part.strip() for part in GROUP_SEPARATORS.split(text[:8192]) if part.strip())
            g.detailed = config.grants_detailed(user, groups)
            return None
        auth = request.authorization
        try:
            ok = auth is not None and auth.type == "basic" and bool(auth.username) and auth.password is not None \
                and verify(request.remote_addr or "", auth.username, auth.password)
        except Throttled as throttled:
            log.warning("sign-in throttled for user %r from %s", (auth.username or "")[:64], request.remote_addr)
            return _too_many_attempts(throttled.retry_after)
        if not ok:
            if auth is not None:
                log.warning("basic auth failed for user %r from %s", (auth.username or "")[:64], request.remote_addr)
            return _unauthorised(config)
        g.user = auth.username
        g.detailed = config.grants_detailed(auth.username)
        return None

    return authenticate


# --- content security policy -----------------------------------------------------------------

def content_security_policy(script_hashes: list[str] | tuple[str, ...] = ()) -> str:
    """Return the CSP header value: 'self' only, plus the given inline-script hashes."""
    directives = dict(CSP_BASE)
    directives["script-src"] = " ".join(["'self'", *script_hashes])
    order = ["default-src", "script-src", *[name for name, _ in CSP_BASE[1:]]]
    return "; ".join(f"{name} {directives[name]}" for name in order)


def inline_script_hashes(html: str) -> list[str]:
    """Return the sha256 CSP sources of the executable inline scripts in an HTML page (for tests)."""
    hashes = []
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)  # e.g. Dash's IE-only warning is never run
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        if "src=" in attrs or "application/json" in attrs:
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        hashes.append(f"'sha256-{digest}'")
    return hashes


class _Policy:
    """The CSP, computed once from the Dash app after every page has declared its clientside callbacks."""

    def __init__(self, dash_app: Any) -> None:
        self._app = dash_app
        self._value: str | None = None
        self._lock = threading.Lock()

    def value(self) -> str:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    hashes = list(dict.fromkeys(self._app.csp_hashes())) if self._app is not None else []
                    self._value = content_security_policy(hashes)
        return self._value


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


# --- callback request checks -----------------------------------------------------------------

def _bad_request(reason: str) -> Response:
    log.warning("refused callback request from %s: %s", request.remote_addr, reason)
    return Response("Bad request.\n", 400, mimetype="text/plain")


# Id keys whose values must name something the server declared: {"chart": CHARTS, "page": PAGES},
# given by the composition root (dashboard.web.app), which owns the registries.
KnownIds = Mapping[str, Mapping[str, Any]]


# Stores the server writes and the browser echoes back: their shape, checked before any callback runs.
STORE_SHAPES: dict[tuple[str, str], tuple[type, ...]] = {("page-filters", "data"): (dict, type(None))}
# The browser's address, as its Location components send it (Dash's pages router fails on anything else).
STORE_SHAPES.update({(location, part): (str, type(None)) for location in ("url", "_pages_location")
                     for part in ("pathname", "search", "hash", "href")})


def _id_problem(component_id: Any, known: KnownIds) -> str | None:
    if isinstance(component_id, str):
        return None if len(component_id) <= 200 else "id too long"
    if not isinstance(component_id, dict) or not component_id:
        return "id is neither a string nor an object"
    for key, value in component_id.items():
        if not isinstance(key, str) or len(key) > 50:
            return "bad id key"
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or \
                (isinstance(value, str) and len(value) > 200):
            return f"bad value for id key {key[:20]!r}"
        if key in known and (not isinstance(value, str) or value not in known[key]):
            # A chart or page id sent as a number (or any non-name) names nothing the server made.
            return f"unknown {key} {str(value)[:40]!r}"
    return None


def _item_problem(item: Any, known: KnownIds, with_value: bool) -> str | None:
    if isinstance(item, list):  # an ALL wildcard: a list of items
        for sub in item:
            problem = _item_problem(sub, known, with_value)
            if problem:
                return problem
        return None
    if not isinstance(item, dict) or not isinstance(item.get("property"), str) or "id" not in item:
        return "an input, state or output is not {id, property}"
    problem = _id_problem(item["id"], known)
    if problem:
        return problem
    if with_value and item["property"] == "id" and "value" in item and item["value"] != item["id"]:
        return "an id property that is not the element's id"
    shape = STORE_SHAPES.get((item["id"], item["property"])) if isinstance(item["id"], str) else None
    if with_value and shape and not isinstance(item.get("value"), shape):
        return f"{item['id']}.{item['property']} has the wrong type"
    return None


_WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")


def _spec_id(text: str) -> Any:
    """Return a dependency id from its string form ('page-filters' or '{"chart":["MATCH"],…}')."""
    import dash

    if not text.startswith("{"):
        return text
    return {k: getattr(dash, v[0]) if isinstance(v, list) and len(v) == 1 and v[0] in _WILDCARDS else v
            for k, v in json.loads(text).items()}


@lru_cache(maxsize=512)
def _expected(id_text: str, prop: str) -> tuple[Any, bool]:
    """Return the dependency a callback declares (from its string form) and whether it takes a list (ALL).

    The declarations are the app's own, so they are parsed once per worker, not on every request.
    """
    from dash.dependencies import ALL, ALLSMALLER, DashDependency

    spec_id = _spec_id(id_text)
    many = isinstance(spec_id, dict) and any(v in (ALL, ALLSMALLER) for v in spec_id.values())
    return DashDependency(spec_id, prop), many


def _spec_problem(kind: str, specs: list[dict[str, str]], items: Any) -> str | None:
    """Return why the request's items do not match the callback's definition (None: they do)."""
    from dash.dependencies import DashDependency

    if not isinstance(items, list) or len(items) != len(specs):
        return f"{kind} do not match the callback"
    for spec, item in zip(specs, items):
        expected, many = _expected(spec["id"], spec["property"])
        if many != isinstance(item, list):
            return f"{kind} do not match the callback"
        for one in item if many else [item]:
            try:
                if DashDependency(one["id"], one["property"]) != expected:
                    return f"{kind} do not match the callback"
            except Exception:  # an id Dash itself would refuse
                return f"{kind} do not match the callback"
    return None


def callback_request_problem(body: Any, callback_map: Mapping[str, Any] | None,
                             known: KnownIds | None = None) -> str | None:
    """Return why a /_dash-update-component body is not a request this app's pages could send (None: fine).

    Checks the Dash protocol's shape, that the callback exists and the request's outputs, inputs
    and state match its definition, that ids name what the server declared, and the shape of the
    stores the server wrote. Values themselves are checked by the callbacks (dashboard.core.filters).
    """
    known = known or {}
    if not isinstance(body, dict):
        return "body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or len(output) > 2000:
        return "no output"
    callback = None
    if callback_map is not None:
        callback = callback_map.get(output)
        if callback is None:
            return "no such callback"
    for key, with_value in (("outputs", False), ("inputs", True), ("state", True)):
        items = body.get(key, [])
        if not isinstance(items, (list, dict)):
            return f"{key} is not a list"
        for item in items if isinstance(items, list) else [items]:
            problem = _item_problem(item, known, with_value)
            if problem:
                return problem
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) and len(c) < 2000 for c in changed):
        return "changedPropIds is not a list of strings"
    if callback is not None:
        from dash._utils import split_callback_id

        out_specs = split_callback_id(output)
        outputs = body.get("outputs", [])
        if not isinstance(out_specs, list):  # one output: sent as the item itself
            out_specs, outputs = [out_specs], [outputs]
        for kind, specs, items in (("outputs", out_specs, outputs),
                                   ("inputs", callback.get("inputs", []), body.get("inputs", [])),
                                   ("state", callback.get("state", []), body.get("state", []))):
            problem = _spec_problem(kind, specs, items)
            if problem:
                return problem
    return None


# --- install ------------------------------------------------------------------------------------

def _dash_and_server(target: Any) -> tuple[Any, Flask]:
    """Return (Dash app or None, Flask server) for a Dash app or a Flask server.

    Given only the server (``install(app.server)`` right after ``Dash(...)``), the Dash app is
    the one Dash last created (or the current one) whose server it is; a bare server has none.
    """
    if not isinstance(target, Flask):
        return target, target.server
    candidates = []
    try:
        import dash
        from dash import _get_app

        candidates.append(_get_app.APP)
        candidates.append(dash.get_app())
    except Exception:  # no Dash app at all
        pass
    return next((c for c in candidates if getattr(c, "server", None) is target), None), target


def install(target: Any, auth: AuthConfig | None = None, known_ids: KnownIds | None = None) -> AuthConfig:
    """Install authentication (when configured), security headers, error pages and callback checks.

    `target` is the Dash app (preferred: its inline-script hashes go into the CSP)
    or its Flask server. `known_ids`: for an id key (e.g. "chart"), the registry its values
    must be in; read on each request, so a registry may fill after install. Returns the
    auth settings in force.
    """
    known = known_ids or {}
    dash_app, server = _dash_and_server(target)
    config = auth or AuthConfig.from_env()
    policy = _Policy(dash_app)

    # Debug only through `serve --debug` (Dash's run() sets it later); never from FLASK_DEBUG.
    server.debug = False
    if not server.config.get("MAX_CONTENT_LENGTH"):
        server.config["MAX_CONTENT_LENGTH"] = MAX_CALLBACK_BYTES

    if config.mode != "off":
        server.before_request(_authenticator(config))
        log.info("authentication: %s", config.mode)

    @server.before_request
    def check_callback_request() -> Response | None:
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        body = request.get_json(silent=True)
        callback_map = getattr(dash_app, "callback_map", None) if dash_app is not None else None
        problem = callback_request_problem(body, callback_map, known)
        return _bad_request(problem) if problem else None

    @server.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy.value()
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response

    @server.errorhandler(InternalServerError)
    def plain_server_error(error: InternalServerError) -> Response:
        reference = secrets.token_hex(4)
        # Flask has already logged the traceback ("Exception on …"); tie it to what the user sees.
        log.error("server error %s on %s %s: %r", reference, request.method, request.path,
                  getattr(error, "original_exception", None) or error)
        return Response(f"Sorry, something went wrong on the server (reference {reference}).\n", 500,
                        mimetype="text/plain")

    server.extensions["mhflow_security"] = config
    return config
