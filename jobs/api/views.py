"""Jobs REST API: the job kinds, and runs (list, detail, start). Task-force staff only.

A start goes through jobs.services.job_start, as the page does: a bad period is a 400 and saves
nothing; a start while the same job and period is under way answers 200 with that run instead of
201 with a new one.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from jobs import permissions, selectors, services
from jobs.api import serializers as s
from jobs.models import JobRun
from jobs.registry import JOBS
from liaison.api.views import Pagination
from liaison.selectors import today


class CanRunJobs(BasePermission):
    message = _("Jobs are for task-force staff.")

    def has_permission(self, request, view) -> bool:
        return permissions.can_run_jobs(request.user)


@extend_schema_view(
    list=extend_schema(
        summary=_("List the job kinds"),
        description=_("Every job that can be run now or on a schedule, with its kind of period and default period."),
    )
)
class JobKindViewSet(viewsets.GenericViewSet):
    serializer_class = s.JobKindSerializer
    permission_classes = [CanRunJobs]
    pagination_class = None
    filter_backends = []

    def list(self, request: Request) -> Response:
        day = today()
        rows = [
            {
                "key": job.key,
                "label": job.label,
                "description": job.description,
                "period_kind": job.period_kind,
                "default_period": job.default_period(day),
                "available": job.available,
            }
            for job in JOBS.values()
        ]
        return Response(s.JobKindSerializer(rows, many=True).data)


@extend_schema_view(
    list=extend_schema(summary=_("List job runs"), description=_("The most recent first; filter by job and status.")),
    retrieve=extend_schema(summary=_("Get a job run with its progress and result")),
)
class JobRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.JobRunSerializer
    permission_classes = [CanRunJobs]
    pagination_class = Pagination
    filterset_fields = ["job", "status"]
    ordering_fields = ["created_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return JobRun.objects.none()
        return selectors.job_run_list(viewer=self.request.user)

    @extend_schema(
        summary=_("Start a job for a period"),
        description=_(
            "Queues the job (or runs it at once where there is no worker). While the same job and period is queued "
            "or running, that run is returned with 200 instead of a new one with 201. A finished run can be run "
            "again: the jobs are idempotent, so the new run changes nothing already done."
        ),
        request=s.JobRunStartSerializer,
        responses={
            201: s.JobRunSerializer,
            200: s.JobRunSerializer,
            400: OpenApiResponse(description=_("Unknown job or bad period; nothing is saved.")),
            403: OpenApiResponse(description=_("Jobs are for task-force staff.")),
            503: OpenApiResponse(description=_("The task queue is unavailable; nothing has been queued.")),
        },
    )
    def create(self, request: Request) -> Response:
        data = s.JobRunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run, created = services.job_start(
                job_key=data.validated_data["job"],
                period=data.validated_data.get("period") or None,
                acting_user=request.user,
            )
        except services.QueueUnavailable as error:
            return Response({"detail": str(error), "code": "queue_unavailable"},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)
        run = self.get_queryset().get(pk=run.pk)  # as it is now: finished already where jobs run in-process
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.JobRunSerializer(run, context=self.get_serializer_context()).data, status=code)
