"""Request handling shared by every page."""

import time

# The idle deadline moves at most this often: a session write per minute, not per page.
IDLE_DEADLINE_STEP = 60
SEEN = "_seen"


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
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(SEEN, 0) >= IDLE_DEADLINE_STEP:
                session[SEEN] = now
        return response
