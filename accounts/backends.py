"""django-axes' lock-out check, also for callers without a request."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes refuses any authenticate() call without a request; but those never come from the web (every
    sign-in path here passes its request: the login form, the admin, the token endpoint). A call
    without one (a management command, the test client's login) is left to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
