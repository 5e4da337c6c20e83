"""Settings for the test suite: real PostgreSQL and Redis on this machine unless told otherwise."""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/liaison")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("STATIC_MANIFEST", "false")
# The suite's own key (production refuses to start without one); never used outside the tests.
os.environ.setdefault("SECRET_KEY", "liaison-test-suite-only-key-9f4c2a7e1b8d3f6a0c5e7b2d4f8a1c3e6b9d0f2a")

from liaison.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="liaison-test-media-"))  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Mail stays in memory, in the test process and in the workers the tests start.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
