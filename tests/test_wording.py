"""Words a district's staff read in their first week (issue 13): a notification is opened with 查看 (its appeal
may be resolved), while an appeal queue's open count stays 未结."""

import pytest
from django.urls import reverse

from liaison.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_notification_is_opened_with_view_while_the_queue_still_counts_open_appeals(client):
    # given a cadre with a notification about an appeal
    pairing = factories.make_pairing_with_login()
    user = pairing.cadre.user
    note = Notification.objects.create(user=user, kind="x", title="诉求已办结", dedupe_key="n1", url="/appeals/")
    client.force_login(user)
    # when they read their notifications
    html = client.get(reverse("notification-list")).content.decode()
    # then the button says 查看, not 未结
    assert f'data-open="{note.pk}">查看</button>' in html
    assert "未结" not in html.split('id="notifications"')[1]
    # and the appeal queue's count of open appeals is still 未结
    assert "未结" in client.get(reverse("appeal-list")).content.decode()
