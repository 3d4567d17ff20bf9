"""Request handling shared by every page."""

import time

from django.utils import translation

from registry.models import StaffProfile

# The idle deadline moves at most this often: a session write per minute, not per page.
IDLE_DEADLINE_STEP = 60
SEEN = "_seen"
# Requests a page makes by itself (the import page polls its status every second): they are
# not the user's activity, and on SQLite a session write would wait on the writer the import
# holds, then fail the poll.
POLLS = frozenset({"config_importrun_status"})


def mark_session_seen(sender, request, user, **kwargs):
    """A fresh sign-in is saved anyway: the minute starts there."""
    request.session[SEEN] = int(time.time())


class IdleSessionMiddleware:
    """Keep a signed-in session alive while it is used, without writing it on every request.

    The session lasts SESSION_COOKIE_AGE from its last save; touching it once a minute moves
    that deadline with a minute's precision, where SESSION_SAVE_EVERY_REQUEST would cost a
    database write on every page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in POLLS:
            return response
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(SEEN, 0) >= IDLE_DEADLINE_STEP:
                session[SEEN] = now
        return response


# The session's copy of the signed-in user's language, so pages need no query to know it.
LANGUAGE = "_language"
# A language chosen on the login page, kept until sign-in makes it the user's setting.
CHOSEN_LANGUAGE = "_chosen_language"


def remember_language(request, user):
    """The language of the pages a user sees, from their staff profile ("" without one: the
    browser's then)."""
    request.session[LANGUAGE] = StaffProfile.language_of(user) if has_profile(user) else ""


def has_profile(user):
    return getattr(user, "staff_profile", None) is not None


def language_at_sign_in(sender, request, user, **kwargs):
    """At sign-in the pages speak the user's language: the one just chosen on the login page,
    which becomes their setting, or else the one their staff profile keeps."""
    chosen = request.session.pop(CHOSEN_LANGUAGE, None)
    if chosen:
        StaffProfile.choose_language(user, chosen)
    remember_language(request, user)


class UserLanguageMiddleware:
    """Every page of a signed-in user in the language of their staff profile, whatever the
    browser or its cookie says; placed after the authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            if LANGUAGE not in session:
                # Signed in before languages were kept with the session: looked up once.
                remember_language(request, request.user)
            if session[LANGUAGE]:
                translation.activate(session[LANGUAGE])
                request.LANGUAGE_CODE = session[LANGUAGE]
        return self.get_response(request)
