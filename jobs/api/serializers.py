"""Shapes of the jobs API: the job kinds, a run with its progress and result, and a start request."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jobs.models import JobRun
from jobs.registry import JOBS, PeriodKind, job_choices


class JobKindSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices)
    default_period = serializers.DateField(help_text=_("This week's Monday, the month before, last year, or today."))
    available = serializers.BooleanField(help_text=_("False while the job's function is not installed."))


class JobRunSerializer(serializers.ModelSerializer):
    job_label = serializers.SerializerMethodField()
    period_label = serializers.SerializerMethodField()
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    result = serializers.JSONField(read_only=True, allow_null=True, help_text=_("The job's counts, once it succeeded."))

    class Meta:
        model = JobRun
        fields = [
            "id",
            "job",
            "job_label",
            "period",
            "period_label",
            "status",
            "done",
            "total",
            "note",
            "result",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_job_label(self, run: JobRun) -> str:
        job = JOBS.get(run.job)
        return str(job.label) if job else run.job

    def get_period_label(self, run: JobRun) -> str:
        job = JOBS.get(run.job)
        return job.period_label(run.period) if job else run.period.isoformat()


class JobRunStartSerializer(serializers.Serializer):
    job = serializers.ChoiceField(choices=job_choices())
    period = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=_(
            "YYYY-MM-DD for a day or a week (its Monday), YYYY-MM for a month, YYYY for a year; "
            "left out, the job's default period."
        ),
    )
