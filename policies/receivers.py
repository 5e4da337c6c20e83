"""What the policies app does when the core tells it something happened (liaison.events)."""


def mark_deliveries_informed(sender, *, visit, acting_user, **kwargs) -> None:
    """A visit that explained a measure counts as informing the enterprise of it."""
    from policies.services import deliveries_mark_informed

    deliveries_mark_informed(visit=visit, acting_user=acting_user)
