"""Build the demo district (Dalian Xigang) described in the campaign article; see demo.district."""

from django.core.management.base import BaseCommand

from accounts.services import password_change_require_for_shared
from demo import district as demo
from demo import hotline as demo_hotline
from demo import outreach as demo_outreach
from demo import oversight as demo_oversight
from demo import portal as demo_portal


class ConsoleReporter(demo.Reporter):
    """Stage lines at verbosity 1+, a live counter on a terminal, nothing at verbosity 0."""

    def __init__(self, stdout, verbosity: int) -> None:
        self.stdout = stdout
        self.verbosity = verbosity
        self.live = stdout.isatty()

    def stage(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def progress(self, label: str, done: int, total: int) -> None:
        if self.verbosity < 1 or total <= demo.CHUNK:
            return
        width = 30
        bar = "#" * (width * done // total)
        line = f"  {label:<12} [{bar:<{width}}] {done}/{total}"
        if self.live:
            self.stdout.write("\r" + line, ending="\n" if done == total else "")
            self.stdout.flush()
        elif self.verbosity >= 2 or done == total:
            self.stdout.write(line)


class Command(BaseCommand):
    help = (
        "Build a demo district from the campaign article (Dalian Xigang): the 1+3+8 task force, departments "
        "and street offices, 424 cadres paired one-to-one with above-scale enterprises, six months of visits "
        "and demo logins, the 201 appeals of the campaign in every state, and the handbook's 55 policy measures "
        "with their eligibility rules, QR scans and no-application deliveries; the campaign's meetings, the monthly "
        "bulletins of the months that are over, this week's dispatch and the annual evaluation so far. Running it "
        "again adds only what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="Random seed; the same seed gives the same district."
        )
        parser.add_argument(
            "--password", default=demo.DEFAULT_PASSWORD, help="Password of every demo login (default: %(default)s)."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo data first (whatever seed built it), then build it again.",
        )
        parser.add_argument(
            "--scale",
            choices=["district", "city", "province"],
            default="district",
            help="district (default): the demo district. city: 12 such districts (~5,000 pairings); province: "
            "14 cities of 8 (~47,500 pairings, ~840,000 visits, ~87,000 appeals), for benchmarks. Each district is "
            "written in one transaction: running it again finishes an interrupted build.",
        )

    def handle(self, *args, seed: int, password: str, reset: bool, verbosity: int, scale: str = "district",
               **options):
        reporter = ConsoleReporter(self.stdout, verbosity)
        if scale != "district":
            self._scale(scale, seed=seed, password=password, reporter=reporter)
            return
        if reset:
            deleted = demo.demo_district_reset(reporter=reporter)
            reporter.stage("Deleted: " + ", ".join(f"{n} {label}" for label, n in deleted.items()))
        result = demo.demo_district_build(seed=seed, password=password, reporter=reporter)
        # Policy push: the policies in force pushed to their eligible enterprises' cadres, along the funnel (before
        # the dispatch sheets, which list the policies left untold).
        result.created.update(demo_outreach.demo_outreach_build(seed=seed, reporter=reporter))
        # Meetings, bulletins, the weekly dispatch and the evaluation: also for a district built before them.
        result.created.update(demo_oversight.demo_oversight_build(seed=seed, reporter=reporter))
        # The 12345 hotline: a client, three work orders and the status they sent back.
        result.created.update(demo_hotline.demo_hotline_build(reporter=reporter))
        # The enterprise pages: a contact of the `cadre` login's enterprise with a service contact card.
        portal_made, contact = demo_portal.demo_portal_build(reporter=reporter)
        result.created.update(portal_made)
        # The shared password is for the first sign-in only: whoever still has it must change it then.
        password_change_require_for_shared(password=password)
        if verbosity < 1:
            return
        made = ", ".join(f"{n} {label}" for label, n in (+result.created).items())
        if result.existed and not made:
            self.stdout.write(self.style.WARNING(
                "The demo district already exists and is up to date: nothing was added. Use --reset to rebuild it."
            ))
        elif result.existed:
            self.stdout.write(
                self.style.SUCCESS(f"The demo district already existed; added what fell due since: {made}.")
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Demo district built: {made}."))
        self.stdout.write("Demo logins:")
        for login in result.logins:
            shown = password if login.created or result.existed else "(existing user: password unchanged)"
            if result.existed:
                shown = f"{password} unless changed"
            note = f"  {login.note}" if login.note else ""
            self.stdout.write(f"  {login.username:<10} {login.role:<13} {shown}{note}")
        self.stdout.write("  Every cadre can also log in as c0001, c0002, ... with the same password.")
        self.stdout.write("  Each login must choose its own password at its first sign-in.")
        self.stdout.write(
            "  So can the unit handlers of the other departments and street offices (h0001, h0002, ...) "
            "and of the eight service groups (g01 ... g08)."
        )
        if contact is not None:
            code = f" (or type the code {contact.code} at /e/login/)" if contact.code else ""
            self.stdout.write(f"Enterprise contact {contact.name} of {contact.enterprise} signs in to /e/ with the "
                              f"card's link{code}:")
            self.stdout.write(f"  {contact.link}")

    def _scale(self, scale: str, *, seed: int, password: str, reporter) -> None:
        from django.utils import timezone

        from demo.scale import build_scale

        result = build_scale(scale=scale, seed=seed, today=timezone.localdate(), password=password, reporter=reporter)
        password_change_require_for_shared(password=password)
        made = ", ".join(f"{n} {label}" for label, n in result.created.items())
        self.stdout.write(self.style.SUCCESS(f"{scale.capitalize()} built: {made or 'nothing new'}."))
        self.stdout.write("Logins: admin, taskforce, leader; cadres p0001c0001 ...; handlers p0001h0001 ..., "
                          f"p0001g01 ... (password {password}).")
