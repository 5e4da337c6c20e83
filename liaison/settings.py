"""Settings for the Liaison portal.

Every deployment-specific value comes from the environment, so one module serves the laptop
demo (SQLite, no Redis), the test suite (PostgreSQL, Redis) and production. The variables are
listed in README.md.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # Production never falls back to a key in the repository: sessions, password-reset and feedback
    # links and token fingerprints would be forgeable by anyone who read it. The test suite has its own.
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random value "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))"), or DEBUG=true for development.'
        )
    SECRET_KEY = "insecure-dev-key-for-debug-only-never-in-production-0123456789abcdef"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "import_export",
    "simple_history",
    "django_celery_beat",
    "axes",
    "audit",
    "liaison",
    "accounts",
    "enterprises",
    "appeals",
    "policies",
    "reports",
    "workdays",
    "meetings",
    "jobs",
    "evaluations",
    "matching",
    "dashboard",
    "analysis",
    "hotline",
    "portal",
    "outreach",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "liaison.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.context.AuditContextMiddleware",
    "accounts.middleware.SessionIdleMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a locked-out sign-in (login form, admin, API token) into accounts.lockout's answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liaison.urls"
WSGI_APPLICATION = "liaison.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liaison.context_processors.navigation",
            ],
        },
    },
]

# --- Database: DATABASE_URL, defaulting to an embedded SQLite file for the demo ---------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # A kept connection the database dropped (restart, fail-over, idle kill) is replaced before
        # the request uses it, instead of failing the request.
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that drops packets fails a connection attempt after this many seconds instead of
    # hanging the request (and /healthz) for the operating system's TCP timeout of minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    )
# The few statements written once (liaison/joined.py) are prepared once per connection on PostgreSQL. Off
# behind a pooler that shares server sessions between clients (PgBouncer in transaction mode).
PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "liaison.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# django-axes first: it refuses a locked-out user name or address before the password is checked.
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded files are served only through permission-checked views, never from a public URL.
MEDIA_URL = "/media-not-public/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Several app nodes: uploaded files must live where every node reads them. FILE_STORAGE=s3 keeps them
# in an S3-compatible bucket (MinIO, Ceph, a cloud's object storage); the default is MEDIA_ROOT on
# this machine's disk, which several nodes can also share over NFS.
FILE_STORAGE = os.environ.get("FILE_STORAGE", "filesystem")
if FILE_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("S3_SECRET_KEY") or None,
            "location": os.environ.get("S3_PREFIX", ""),
            # Files are never public: the portal streams them after its own permission check.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Visit attachments: photos and documents taken on site.
VISIT_ATTACHMENT_MAX_BYTES = int(os.environ.get("VISIT_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
VISIT_ATTACHMENT_MAX_FILES = int(os.environ.get("VISIT_ATTACHMENT_MAX_FILES", "5"))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# Images are decoded and written again (no appended data, no EXIF) up to this many pixels; a larger one
# is refused from its header. An import sheet may declare at most this many columns.
ATTACHMENT_MAX_IMAGE_PIXELS = int(os.environ.get("ATTACHMENT_MAX_IMAGE_PIXELS", "40000000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "200"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Appeals: how long a feedback link lives, how long a supervised handler has to respond, and
# whether notifications are also e-mailed (to users with an address).
FEEDBACK_LINK_DAYS = int(os.environ.get("FEEDBACK_LINK_DAYS", "7"))
SUPERVISION_RESPONSE_WORKDAYS = int(os.environ.get("SUPERVISION_RESPONSE_WORKDAYS", "3"))
# Weekly dispatch: a cadre is put on the interview list (约谈) after this many consecutive months
# without contact, or this many appeals gone overdue in the last 90 days.
INTERVIEW_MISSED_MONTHS = int(os.environ.get("INTERVIEW_MISSED_MONTHS", "2"))
INTERVIEW_OVERDUE_APPEALS = int(os.environ.get("INTERVIEW_OVERDUE_APPEALS", "3"))
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", False)
# Precise matching: proposals up to this many enterprises or free cadres a side are solved exactly in
# the request; larger ones run as a Celery job split into blocks of at most MATCHING_BLOCK_MAX_SIDE a side.
MATCHING_SYNC_MAX_SIDE = int(os.environ.get("MATCHING_SYNC_MAX_SIDE", "1000"))
MATCHING_BLOCK_MAX_SIDE = int(os.environ.get("MATCHING_BLOCK_MAX_SIDE", "1500"))
# Jobs: a queued run that has not moved for this long lost its message; a new start replaces it.
JOB_STALE_MINUTES = int(os.environ.get("JOB_STALE_MINUTES", "60"))
# A running run's worker writes a heartbeat this often; a run silent for JOB_LOST_SECONDS (or whose
# worker process is gone, on the same host) is lost: a new start replaces it, a starting worker re-queues it.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "10"))
JOB_LOST_SECONDS = int(os.environ.get("JOB_LOST_SECONDS", "90"))

# Hot-problem clusters (analysis/): a cluster is a policy gap when at least this many enterprises share
# it and no countermeasure or policy is linked, or when its satisfaction is below this share.
ANALYSIS_GAP_MIN_ENTERPRISES = int(os.environ.get("ANALYSIS_GAP_MIN_ENTERPRISES", "5"))
ANALYSIS_GAP_MAX_SATISFACTION = float(os.environ.get("ANALYSIS_GAP_MAX_SATISFACTION", "0.8"))
# An open appeal of the same enterprise at least this similar is flagged as a probable duplicate.
ANALYSIS_DUPLICATE_SIMILARITY = float(os.environ.get("ANALYSIS_DUPLICATE_SIMILARITY", "0.5"))
# Weekly dispatch: the sheets are written this many units per transaction (figures are read once for all).
DISPATCH_CHUNK_UNITS = int(os.environ.get("DISPATCH_CHUNK_UNITS", "500"))
# 12345 hotline (hotline/): a status change not delivered to the work order's callback URL is retried after
# HOTLINE_CALLBACK_RETRY_SECONDS, doubling each time up to HOTLINE_CALLBACK_MAX_BACKOFF_SECONDS, and given up
# (task-force staff told) HOTLINE_CALLBACK_GIVE_UP_HOURS after the change; one POST waits at most
# HOTLINE_CALLBACK_TIMEOUT_SECONDS. Open311 requests.json lists the last OPEN311_DEFAULT_DAYS days by default.
HOTLINE_CALLBACK_RETRY_SECONDS = float(os.environ.get("HOTLINE_CALLBACK_RETRY_SECONDS", "30"))
HOTLINE_CALLBACK_MAX_BACKOFF_SECONDS = float(os.environ.get("HOTLINE_CALLBACK_MAX_BACKOFF_SECONDS", "3600"))
HOTLINE_CALLBACK_GIVE_UP_HOURS = float(os.environ.get("HOTLINE_CALLBACK_GIVE_UP_HOURS", "24"))
HOTLINE_CALLBACK_TIMEOUT_SECONDS = float(os.environ.get("HOTLINE_CALLBACK_TIMEOUT_SECONDS", "10"))
OPEN311_DEFAULT_DAYS = int(os.environ.get("OPEN311_DEFAULT_DAYS", "90"))
# The hosts a work order's callback_url may name (lower case, comma-separated); empty: any. In production,
# the hotline's own callback host(s), so that no client can make the portal post into the internal network.
HOTLINE_CALLBACK_HOSTS = [host.lower() for host in env_list("HOTLINE_CALLBACK_HOSTS")]
# Enterprise pages (portal/): a contact card is valid CONTACT_CARD_DAYS by default (at most
# CONTACT_CARD_MAX_DAYS); an address that types CONTACT_CODE_FAILURE_LIMIT wrong codes is refused for
# CONTACT_CODE_LOCKOUT_MINUTES.
CONTACT_CARD_DAYS = int(os.environ.get("CONTACT_CARD_DAYS", "180"))
CONTACT_CARD_MAX_DAYS = int(os.environ.get("CONTACT_CARD_MAX_DAYS", "366"))
CONTACT_CODE_FAILURE_LIMIT = int(os.environ.get("CONTACT_CODE_FAILURE_LIMIT", "5"))
CONTACT_CODE_LOCKOUT_MINUTES = int(os.environ.get("CONTACT_CODE_LOCKOUT_MINUTES", "30"))
# Policy push (outreach/): an eligible enterprise pushed to its cadre and not told within this many
# working days puts the policy on the weekly dispatch sheet of the cadre's unit.
POLICY_PUSH_TELL_WITHIN_WORKDAYS = int(os.environ.get("POLICY_PUSH_TELL_WITHIN_WORKDAYS", "5"))
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
# The district's name, printed on the handbook's cover.
DISTRICT_NAME = os.environ.get("DISTRICT_NAME", "")
# The campaign's name and the body that issues its bulletins, printed on them as an official document.
CAMPAIGN_NAME = os.environ.get("CAMPAIGN_NAME", "领导干部进项目进企业")
BULLETIN_ISSUER = os.environ.get("BULLETIN_ISSUER", f"{DISTRICT_NAME}“{CAMPAIGN_NAME}”专项行动领导小组工作专班")
# Where printed QR codes point: the portal's public address as seen from a phone (behind the proxy). When
# empty, the address staff reach the portal at (policies.qr); a loopback address makes staff pages warn.
POLICY_QR_BASE_URL = os.environ.get("POLICY_QR_BASE_URL", PUBLIC_BASE_URL)
# The portal on this computer (the demo's runserver: scripts/demo.sh sets PORT), when nothing better is known.
LOCAL_BASE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"

# --- Redis, cache and Celery ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "liaison.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Drawn pieces of page that are a pure function of their key and of the code (the menu of a role, in a
# language), kept in each process: nothing another node could need to see invalidated.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments",
                       "TIMEOUT": 24 * 3600, "OPTIONS": {"MAX_ENTRIES": 1000}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
# Without a broker (the embedded demo) jobs run in-process so that every page still works.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A message taken by a worker that died is handed out again after this many seconds (Redis' default is an
# hour). Longer tasks are delivered twice: jobs skip a run whose worker is alive, the rest are idempotent.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "300"))}
# The queue tasks go to unless routed (workers consume it with -Q); tests give each worker its own.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Beat reads the schedule from the database (django-celery-beat, editable in the admin under
# "Periodic tasks"); the entries below are only its defaults, written there when missing
# (jobs.schedules). Entries that start a job go through jobs.tasks.run_scheduled, so that their
# runs show on the jobs page with their progress.
CELERY_BEAT_SCHEDULER = "jobs.schedules:JobScheduler"
CELERY_BEAT_SCHEDULE = {
    # Reminders about appeals due or overdue; the job itself does nothing on non-working days.
    "appeal-reminders": {
        "task": "jobs.tasks.run_scheduled",
        "args": ("appeal_reminders",),
        "schedule": crontab(hour=8, minute=30),
    },
    # Published policies past their end date become expired.
    "policy-expiry": {
        "task": "jobs.tasks.run_scheduled",
        "args": ("policy_expiry",),
        "schedule": crontab(hour=0, minute=10),
    },
    # The weekly dispatch (周调度): each unit's sheet, reminders to lagging cadres, the interview list.
    "weekly-dispatch": {
        "task": "jobs.tasks.run_scheduled",
        "args": ("weekly_dispatch",),
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
    },
    # The monthly bulletin (月通报) of the month before, frozen and published on the 1st.
    "monthly-bulletin": {
        "task": "jobs.tasks.run_scheduled",
        "args": ("monthly_bulletin",),
        "schedule": crontab(hour=6, minute=0, day_of_month="1"),
    },
    # Audit rows past AUDIT_RETENTION_DAYS are deleted.
    "audit-purge": {
        "task": "audit.tasks.audit_purge",
        "schedule": crontab(hour=3, minute=20),
    },
    # 12345 hotline: status changes a dead worker or a lost message left unsent go out (hotline.tasks).
    "hotline-callback-sweep": {
        "task": "hotline.tasks.hotline_callback_sweep",
        "schedule": crontab(minute="*"),
    },
    # The annual evaluation (年考评) of the year before, on 10 January (after the December bulletin).
    "annual-evaluation": {
        "task": "jobs.tasks.run_scheduled",
        "args": ("annual_evaluation",),
        "schedule": crontab(hour=6, minute=30, day_of_month="10", month_of_year="1"),
    },
}

# Every django-filter list filter offers 全部 as its empty choice, not Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous API call gets 401 with WWW-Authenticate.
        "accounts.authentication.ExpiringTokenAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "liaison.api.exceptions.exception_handler",
}
API_DESCRIPTION = """\
入企服务平台（领导干部进项目进企业·一对一服务）的 REST 接口，路径前缀 `/api/v1/`。各角色能看到和能做的，与网页完全一致。

**涵盖**

- 名册：单位、干部、企业、一对一结对（含结束结对）、走访记录及附件、当前用户（`me/`）、每月联系达标情况（`compliance/`）
- 诉求：提出、上报、退回、交办（含批量）、办结、暂停与恢复、督办、更改分类、标为不属受理范围、撤回、\
回访评价与评价链接、重新办理；处理记录、队列计数与办结率等指标；诉求分类、代理人、通知
- 惠企政策：政策清单与分类、符合条件的企业及判定理由、免申即享的兑现跟踪
- 会议与问题（含转为诉求）、精准匹配方案、问题分析（热点聚类、相似诉求）
- 督导考评：周调度、月通报、年度考评及权重；后台任务的启动与进度
- 企业、干部的 Excel 导入（先预览后确认）；名册、走访、企业、干部的 Excel 导出
- 审计日志（管理员）
- 12345 热线工单转入与状态查询（`hotline/work-orders/`，仅限热线客户端密钥 `Authorization: Hotline <密钥>`，\
状态变化以 HMAC-SHA256 签名回传到工单的 `callback_url`）；另有 Open311 GeoReport v2 只读接口 `/open311/v2/`

**身份认证**

以 `POST /api/v1/auth/token/`（用户名、密码）换取令牌，此后每次请求带请求头 `Authorization: Token <令牌>`。\
令牌签发后 24 小时过期（`API_TOKEN_TTL_HOURS`），修改密码后全部失效；\
可在网页“我的 API 令牌”或 `/api/v1/auth/tokens/` 查看、吊销。\
已登录网页的浏览器也可直接调用（写操作须带 CSRF 令牌）。连续输错密码会被临时锁定，与网页登录相同。

**版本**

当前版本为 v1，所有接口都在 `/api/v1/` 下；本文档的版本号见标题旁。

**错误**

错误以 JSON 返回：`detail` 为说明（默认中文，请求头 `Accept-Language: en` 可得英文），部分错误另有机器可读的 `code`；\
400 为输入有误（按字段列出），401 未认证，403 无权操作，404 不存在或不在可见范围内，\
409 为状态冲突或版本已过期（`code` 说明是哪一种）。
"""

SPECTACULAR_SETTINGS = {
    # The docs' reader is a district's developer: the title and introduction in Chinese, like the portal.
    "TITLE": "入企服务平台 API",
    "DESCRIPTION": API_DESCRIPTION,
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The error answers any operation can give (401, 403, 404, 400) with their bodies.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "liaison.api.schema.document_error_responses",
    ],
    # One name per choice set: appeals reuse the field names "status" and "kind" of the roster API,
    # and name one set several ways (status, from_status, to_status).
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "enterprises.models.EnterpriseStatus",
        "KindEnum": "liaison.models.UnitKind",
        "AppealStatusEnum": "appeals.models.Status",
        "AppealTierEnum": "appeals.models.Tier",
        "AppealEventKindEnum": "appeals.models.EventKind",
        "ResolutionKindEnum": "appeals.models.ResolutionKind",
        "FeedbackVerdictEnum": "appeals.models.Feedback",
        # The policies API: its statuses, and the enterprise's choice sets reused by the rule groups.
        "PolicyStatusEnum": "policies.models.PolicyStatus",
        "DeliveryStatusEnum": "policies.models.DeliveryStatus",
        "IndustrySectionEnum": "enterprises.industries.SECTION_CHOICES",
        "IndustryDivisionEnum": "enterprises.industries.DIVISION_CHOICES",
        "OwnershipEnum": "enterprises.models.Ownership",
        "MeetingKindEnum": "meetings.models.MeetingKind",
        "CountermeasureStatusEnum": "meetings.models.CountermeasureStatus",
        "BulletinStatusEnum": "reports.models.BulletinStatus",
        "JobRunStatusEnum": "jobs.models.RunStatus",
        "JobPeriodKindEnum": "jobs.registry.PeriodKind",
        "AnalysisReportPeriodEnum": "analysis.models.ReportPeriod",
        "AnalysisReportStatusEnum": "analysis.models.ReportStatus",
        # Open311 GeoReport v2's two request statuses (the hotline's read calls and its work orders).
        "Open311StatusEnum": ["open", "closed"],
    },
}

# --- Security in production -----------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A refused form gets the portal's 403 page saying what to do (reload and send again), not Django's own.
CSRF_FAILURE_VIEW = "liaison.api.exceptions.csrf_failure"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
# A proxy that rewrites the Host header passes the original in X-Forwarded-Host; trusted only when told (it is
# still checked against ALLOWED_HOSTS). Addresses the portal builds (QR codes, feedback links) follow it.
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
# A site with HTTPS-only cookies is served over HTTPS: plain HTTP is redirected (behind the proxy,
# X-Forwarded-Proto says which), except /healthz, which a load balancer probes over HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
# HSTS is only sent over HTTPS; one year, subdomains and preload unless the operator says otherwise.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (Django's own middleware): scripts, fonts, images and connections from this
# site only, no inline script or eval. Styles allow 'unsafe-inline' for the style attributes and the
# few <style> blocks of the templates (and those Tom Select and htmx add); no script can use that.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features no page uses are switched off (liaison.security.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = {
    feature: "()"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth",
                    "midi", "magnetometer", "gyroscope", "accelerometer", "display-capture", "browsing-topics")
}
# The API's schema and docs (/api/schema/, /api/docs/, /api/redoc/) need a sign-in unless this is true.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", False)
# /healthz: a worker's heartbeat older than this many seconds counts as no worker; whether a missing
# worker makes /healthz answer 503 (a load balancer probing app nodes may not want that).
CELERY_HEARTBEAT_SECONDS = int(os.environ.get("CELERY_HEARTBEAT_SECONDS", "15"))
HEALTHZ_WORKER_MAX_AGE = int(os.environ.get("HEALTHZ_WORKER_MAX_AGE", "60"))
HEALTHZ_REQUIRE_WORKER = env_bool("HEALTHZ_REQUIRE_WORKER", True)

# --- Sign-in security: lock-out, tokens, sessions, audit -----------------------------------
# A user name is locked after LOGIN_FAILURE_LIMIT failed sign-ins, an address after
# LOGIN_FAILURE_LIMIT_PER_ADDRESS (higher: an office may share one address), for
# LOGIN_LOCKOUT_MINUTES (0: until staff unlock it at /accounts/lockouts/ or in the admin).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "20"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30"))
BEHIND_PROXY = env_bool("BEHIND_PROXY")
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES) if LOGIN_LOCKOUT_MINUTES > 0 else None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # sign-ins go to the audit log instead
AXES_VERBOSE = False
# API tokens expire this long after they are made (and die when the password changes).
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "24"))
# A session ends after this long without a request; the expiry slides on activity.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# The audit log keeps rows this long (never under 180 days: the database refuses younger deletes too).
AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("AUDIT_RETENTION_DAYS", "180")))

# Mail: SMTP from EMAIL_* in production; the console only when DEBUG (the demo).
_MAIL_DEFAULT = "console" if DEBUG else "smtp"
MAILERS = {
    "default": {"BACKEND": os.environ.get("EMAIL_BACKEND", f"django.core.mail.backends.{_MAIL_DEFAULT}.EmailBackend")},
}
if MAILERS["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": int(os.environ.get("EMAIL_TIMEOUT", "10")),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "liaison@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
