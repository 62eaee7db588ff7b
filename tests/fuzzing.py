"""What tests/test_fuzz.py needs: a world of two cases (the owner's, and a bystander's that must never
change), the POST endpoints found by walking the URL configuration, and the hostile inputs.

Every id the fuzzer puts in a URL or a field is drawn from the owner's own rows, the bystander's rows
(another case's id must be refused), and numbers that belong to nobody.
"""

import base64
import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import strategies as st

from secondop.accounts.models import Profile, User
from secondop.authorizations.models import Authorization
from secondop.cases import sharing, teams
from secondop.cases.models import (
    Case,
    ChecklistItem,
    InsuranceCheck,
    Invitation,
    Membership,
    Question,
    Role,
    Team,
    TeamInvitation,
    TeamMembership,
    TeamRole,
    TeamShare,
)
from secondop.records.letter_views import _letter_for as letter_for
from secondop.records.letters import offered_letters
from secondop.records.models import (
    ContactEntry,
    Letter,
    Provider,
    RecordsRequest,
    RequestEvent,
    RequestStatus,
)
from secondop.reminders import buttons
from secondop.reminders.models import Notification, PushSubscription, Reminder, ReminderKind
from secondop.scripts.drafting import ensure_drafts
from secondop.scripts.models import Draft, DraftUse
from secondop.visits.models import PhysicalItem
from tests.conftest import make_user

# The URL patterns -----------------------------------------------------------------------------------


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        else:
            yield route, pattern


def our_routes() -> list[tuple[str, URLPattern]]:
    """Every URL whose view is ours (not the admin's, allauth's or django-pwa's)."""
    return [
        (route, pattern)
        for route, pattern in walk(get_resolver().url_patterns)
        if getattr(pattern.callback, "__module__", "").startswith("secondop.")
    ]


def route_params(route: str) -> list[str]:
    return [part.split(":")[-1].split(">")[0] for part in route.split("<")[1:]]


# The world ------------------------------------------------------------------------------------------

# What only the bystander's case holds: none of it may ever appear in an answer to our owner. (Not the
# bystander's e-mail: the owner may type it, to invite them to a team.)
BYSTANDER_NAME = "Sam Okafor"
BYSTANDER_CONCERN = "the heart valve"
BYSTANDER_DOCTORS = ("Dr. Adeyemi", "Dr. Lindqvist")
BYSTANDER_TEAM = "Other practice"
BYSTANDER_HELPER = "bystander-helper@example.com"
BYSTANDER_INVITEE = "friend@example.com"
BYSTANDER_TEAM_INVITEE = "colleague@example.com"
BYSTANDER_SECRETS = [
    BYSTANDER_NAME,
    BYSTANDER_CONCERN,
    *BYSTANDER_DOCTORS,
    BYSTANDER_TEAM,
    BYSTANDER_HELPER,
    BYSTANDER_INVITEE,
    BYSTANDER_TEAM_INVITEE,
]

PUSH_ENDPOINT = "https://fcm.googleapis.com/fcm/send/owner-device"
OTHER_PUSH_ENDPOINT = "https://updates.push.services.mozilla.com/wpush/v2/bystander-device"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys(seed: int) -> dict[str, str]:
    """What a browser's PushSubscription.toJSON() holds (its P-256 key and a 16-byte secret), the same for
    the same seed, so that a failing example can be run again."""
    public = ec.derive_private_key(seed, ec.SECP256R1()).public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64url(point), "auth": b64url(seed.to_bytes(16, "big"))}


@dataclass(repr=False)
class World:
    owner: User
    case: Case
    bystander: User
    other_case: Case
    team: Team
    other_team: Team
    # URL parameter → the values to try, the owner's own first.
    url_values: dict[str, list[object]] = field(default_factory=dict)
    # (URL name, parameter) → values, where a name means something else on that URL.
    url_values_for: dict[tuple[str, str], list[object]] = field(default_factory=dict)
    # Form field → values that make sense for it (valid ones and the bystander's).
    field_values: dict[str, list[str | None]] = field(default_factory=dict)
    # (URL name, field) → values, where a field means something else on that form. None: left out.
    field_values_for: dict[tuple[str, str], list[str | None]] = field(default_factory=dict)
    # Taken once the world is built: every example starts from it again.
    before: list[object] = field(default_factory=list)
    bystander_before: list[object] = field(default_factory=list)
    session_key: str = ""
    own_rows: "Snapshot" = field(init=False)
    bystander_rows: "Snapshot" = field(init=False)
    client: Client = field(default_factory=Client)

    def __repr__(self) -> str:
        return f"<World: {self.case.code}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis prints the test's arguments when an example fails: the world is too big to read.
        printer.text(repr(self))

    def snapshot(self) -> list[object]:
        """The owner's case, the owner's team, and everything of the owner's own that a POST may change."""
        return self.own_rows.take()

    def bystander_snapshot(self) -> list[object]:
        """The other case, its team and its owner: no POST by our owner may ever change them."""
        return self.bystander_rows.take()

    def values_for(self, name: str, param: str) -> list[object]:
        return self.url_values_for.get((name, param)) or self.url_values[param]

    def url(self, name: str, route: str, choose: Any) -> str:
        """The URL of `name` with each parameter chosen by `choose(list_of_values)`."""
        kwargs = {param: choose(self.values_for(name, param)) for param in route_params(route)}
        code = kwargs.get("code")
        if code is None:
            return reverse(name, kwargs=kwargs)
        # Variants the converter would not reverse (upper case, braces) go in by hand.
        kwargs["code"] = self.case.code
        return reverse(name, kwargs=kwargs).replace(str(self.case.code), str(code), 1)


def rows_of(case: Case, user: User, team: Team) -> list[QuerySet[Any, Any]]:
    """What belongs to a case, its owner and the team it is shared with (the access sweep's snapshot, and
    more)."""
    return [
        Case.objects.filter(pk=case.pk).values(),
        ChecklistItem.objects.filter(case=case).values(),
        Question.objects.filter(case=case).values(),
        InsuranceCheck.objects.filter(case=case).values(),
        Draft.objects.filter(case=case).values(),
        DraftUse.objects.filter(draft__case=case).values(),
        Provider.objects.filter(case=case).values(),
        RecordsRequest.objects.filter(case=case).values(),
        RequestEvent.objects.filter(request__case=case).values(),
        ContactEntry.objects.filter(case=case).values(),
        Letter.objects.filter(request__case=case).values(),
        Membership.objects.filter(case=case).values(),
        Invitation.objects.filter(case=case).values(),
        TeamShare.objects.filter(case=case).values(),
        Reminder.objects.filter(case=case).values(),
        Authorization.objects.filter(case=case).values(),
        Team.objects.filter(pk=team.pk).values(),
        TeamMembership.objects.filter(team=team).values(),
        TeamInvitation.objects.filter(team=team).values(),
        User.objects.filter(pk=user.pk).values("email", "display_name", "is_active", "password"),
        Profile.objects.filter(user=user).values(),
        PushSubscription.objects.filter(user=user).values(),
        Notification.objects.filter(user=user).values(),
        Membership.objects.filter(user=user).values(),
        TeamMembership.objects.filter(user=user).values(),
        Team.objects.filter(created_by=user).values(),
    ]


class Snapshot:
    """The rows of some querysets, read with their SQL compiled once: the fuzzer reads them after every
    example, and compiling the queries each time would cost more than running them."""

    def __init__(self, querysets: list[QuerySet[Any, Any]]) -> None:
        self.queries = [qs.order_by("pk").query.sql_with_params() for qs in querysets]

    def take(self) -> list[object]:
        with connection.cursor() as cursor:
            rows = []
            for sql, params in self.queries:
                cursor.execute(sql, params)
                rows.append(cursor.fetchall())
        return rows


@dataclass
class CaseRows:
    custom_item: ChecklistItem
    standard_item: ChecklistItem
    questions: list[Question]
    holder: Provider
    spare_provider: Provider
    preparing: RecordsRequest
    requested: RecordsRequest
    contact: ContactEntry
    letter: Letter
    invitation_token: str
    invitation_id: int
    share: TeamShare
    reminder: Reminder
    authorization: Authorization
    thing: PhysicalItem


def _fill_case(case: Case, owner: User, team: Team, invitee: str, doctors: tuple[str, str]) -> CaseRows:
    today = timezone.localdate()
    custom = ChecklistItem.objects.create(case=case, key="", title="My own step", position=10)
    standard = case.checklist.exclude(key="").first()
    assert standard is not None
    questions = [
        Question.objects.create(case=case, text="What are my other options?", position=0),
        Question.objects.create(case=case, text="What happens if I wait?", position=1),
    ]
    holder = Provider.objects.create(case=case, role="current", name=doctors[0], address="1 Main St")
    spare = Provider.objects.create(case=case, role="second_opinion", name=doctors[1], fax="555-0100")
    preparing = RecordsRequest.objects.create(
        case=case, holder=holder, kind="copy", record_types=["complete"]
    )
    requested = RecordsRequest.objects.create(
        case=case,
        holder=holder,
        kind="directive",
        recipient=spare,
        send_to="1 Main St",
        record_types=["visit_notes"],
        status=RequestStatus.REQUESTED,
        requested_on=today - datetime.timedelta(days=5),
    )
    contact = ContactEntry.objects.create(
        case=case, request=requested, channel="phone", happened_at=timezone.now(), with_whom="Front desk"
    )
    # Letters and drafts are made the first time a page shows them: made here, so that a refused POST
    # that happens to be their first visit does not count as a change.
    for records_request in (preparing, requested):
        for kind in offered_letters(records_request, today):
            letter_for(records_request, kind, today)
    letter = requested.letters.get(kind="request-letter")
    ensure_drafts(case)
    invitation, token = sharing.invite(case, owner, invitee, "viewer")
    share = TeamShare.objects.create(case=case, team=team, role="viewer")
    reminder = Reminder.objects.create(
        recipient=owner,
        case=case,
        kind=ReminderKind.CHECKLIST,
        checklist_item=custom,
        due_on=today,
        due_at=timezone.now(),
        dedupe_key=f"fuzz:{case.pk}",
        action_nonce=uuid.uuid4().hex,
    )
    authorization = Authorization.objects.create(
        case=case, recipient=owner, recipient_name="Alex Rivera", recipient_email=owner.email, provider=holder
    )
    thing = PhysicalItem.objects.create(case=case, kind="slides", holder=doctors[0], recipient=doctors[1])
    return CaseRows(
        thing=thing,
        custom_item=custom,
        standard_item=standard,
        questions=questions,
        holder=holder,
        spare_provider=spare,
        preparing=preparing,
        requested=requested,
        contact=contact,
        letter=letter,
        invitation_token=token,
        invitation_id=invitation.pk,
        share=share,
        reminder=reminder,
        authorization=authorization,
    )


def build_world(owner: User, case: Case) -> World:
    """`case` (the conftest's: owner, advocate, viewer) filled with one of everything, and a bystander's
    case filled the same way."""
    bystander = make_user("bystander@example.com")
    other_case = Case.open_for(bystander, patient_name=BYSTANDER_NAME, concern=BYSTANDER_CONCERN)
    other_member = make_user(BYSTANDER_HELPER)
    Membership.objects.create(case=other_case, user=other_member, role=Role.ADVOCATE)
    team = Team.objects.create(name="Practice", created_by=owner)
    TeamMembership.objects.create(team=team, user=owner, role=TeamRole.ADMIN)
    advocate = case.memberships.get(role=Role.ADVOCATE)
    viewer = case.memberships.get(role=Role.VIEWER)
    owner_membership = case.memberships.get(role=Role.OWNER)
    team_advocate = TeamMembership.objects.create(team=team, user=advocate.user, role=TeamRole.MEMBER)
    other_team = Team.objects.create(name=BYSTANDER_TEAM, created_by=bystander)
    other_admin = TeamMembership.objects.create(team=other_team, user=bystander, role=TeamRole.ADMIN)
    TeamMembership.objects.create(team=other_team, user=other_member, role=TeamRole.MEMBER)

    mine = _fill_case(case, owner, team, "invited@example.com", ("Dr. Chen", "Dr. Osei"))
    theirs = _fill_case(other_case, bystander, other_team, BYSTANDER_INVITEE, BYSTANDER_DOCTORS)
    owner_team_membership = TeamMembership.objects.get(team=team, user=owner)
    team_invitation = teams.invite_member(team, owner, "team-invited@example.com", TeamRole.MEMBER)[0]
    other_team_invitation = teams.invite_member(
        other_team, bystander, BYSTANDER_TEAM_INVITEE, TeamRole.MEMBER
    )[0]

    subscription = PushSubscription.objects.create(user=owner, endpoint=PUSH_ENDPOINT, **browser_keys(seed=1))
    other_subscription = PushSubscription.objects.create(
        user=bystander, endpoint=OTHER_PUSH_ENDPOINT, **browser_keys(seed=2)
    )
    for user, some_case in ((owner, case), (bystander, other_case)):
        Notification.objects.create(
            user=user, case=some_case, title="Time to follow up", body="A week has passed.", url="/cases/"
        )

    nobody = [0, 2**31, 2**63, 10**30]
    world = World(
        owner=owner, case=case, bystander=bystander, other_case=other_case, team=team, other_team=other_team
    )
    world.url_values = {
        "code": [
            case.code,
            other_case.code,
            uuid.UUID(int=1),
            str(case.code).upper(),
            "{" + str(case.code) + "}",
            str(case.code).replace("-", ""),
        ],
        "item_id": [mine.custom_item.pk, mine.standard_item.pk, theirs.custom_item.pk, *nobody],
        "question_id": [*(q.pk for q in mine.questions), theirs.questions[0].pk, *nobody],
        "provider_id": [mine.spare_provider.pk, mine.holder.pk, theirs.spare_provider.pk, *nobody],
        "request_id": [mine.requested.pk, mine.preparing.pk, theirs.requested.pk, *nobody],
        "contact_id": [mine.contact.pk, theirs.contact.pk, *nobody],
        "invitation_id": [mine.invitation_id, theirs.invitation_id, *nobody],
        "member_id": [
            advocate.pk,
            viewer.pk,
            owner_membership.pk,
            other_case.memberships.get(role=Role.OWNER).pk,
            *nobody,
        ],
        "share_id": [mine.share.pk, theirs.share.pk, *nobody],
        "authorization_id": [mine.authorization.pk, theirs.authorization.pk, *nobody],
        "thing_id": [mine.thing.pk, theirs.thing.pk, *nobody],
        "lang": ["en", "es", "fr", "EN", "es-mx"],
        "kind": [
            "pushback",
            "second-opinion",
            "portal-message",
            "collaborative",
            "records-request",
            "PUSHBACK",
            "nope",
        ],
        "letter": ["request-letter", "directive", "portal-message", "escalation", "Request-Letter", "nope"],
        "team_id": [team.pk, other_team.pk, *nobody],
        "subscription_id": [subscription.pk, other_subscription.pk, *nobody],
        "notification_id": [Notification.objects.filter(user=owner).get().pk, *nobody],
        "token": [
            mine.invitation_token,
            theirs.invitation_token,
            mine.invitation_token.upper(),
            mine.invitation_token[:-1],
            "x",
            "a" * 5000,
            "\u202e\U0001f469\u200d\u2695\ufe0f",
            "%00",
        ],
        "action": ["done", "tomorrow", "DONE", "snooze", "x"],
    }
    owner_token = buttons.make_token(mine.reminder)
    world.url_values_for = {
        ("team_invitation_cancel", "invitation_id"): [team_invitation.pk, other_team_invitation.pk, *nobody],
        ("team_member_remove", "member_id"): [
            team_advocate.pk,
            owner_team_membership.pk,
            other_admin.pk,
            *nobody,
        ],
        ("reminder_action", "token"): [
            owner_token,
            owner_token[:-2] + "xx",
            owner_token + ":",
            theirs.invitation_token,
            "e30:1tXyZ:abc",
            "a" * 5000,
            "\ufeff" + owner_token,
        ],
    }
    today = timezone.localdate()
    world.field_values = {
        "version": ["1", "2", "0", "-1", "2147483648", "1.5", "1e3", "\uff11"],
        "text": ["A calm question?", "Dear Dr. Chen,\r\nPlease send my records."],
        "title": ["Ask a friend to come along"],
        "patient_name": ["Alex Rivera", "  "],
        "direction": ["up", "down", "UP", "sideways"],
        "answered": ["0", "1", "2", "true"],
        "keep": ["mine", "theirs", "both"],
        "language": ["en", "es", "fr", "ES", "", "es-mx"],
        "replace": ["on", "", "off"],
        "what": ["called", "portal", "emailed"],
        "role": ["advocate", "viewer", "owner", "admin", "member"],
        "email": [
            "someone.new@example.com",
            "OWNER@example.com",
            "advocate@example.com",
            "bystander@example.com",
            "invited@example.com",
            "not-an-email",
            "a@" + "b" * 300 + ".com",
        ],
        "team": [str(team.pk), str(other_team.pk), "0"],
        "member": [str(team_advocate.pk), str(owner_team_membership.pk), str(other_admin.pk)],
        "action": ["invite", "role", "add", "remove", ""],
        # Invitations the dashboard's Join may name: none is addressed to the owner, so each is refused.
        "invitation": [
            f"case-{mine.invitation_id}",
            f"case-{theirs.invitation_id}",
            f"team-{team_invitation.pk}",
            f"team-{other_team_invitation.pk}",
            "case-0",
            "team-99999999999999999999",
            "case-١",
            "x",
        ],
        "holder": [str(mine.holder.pk), str(theirs.holder.pk), "0"],
        "recipient": [str(mine.spare_provider.pk), str(theirs.spare_provider.pk), ""],
        "request": [str(mine.requested.pk), str(theirs.requested.pk), ""],
        "kind": ["copy", "directive", "other"],
        "to_status": ["acknowledged", *(value for value, _ in RequestStatus.choices)],
        "on": [today.isoformat(), (today - datetime.timedelta(days=2)).isoformat()],
        "extension_notice_on": [(today - datetime.timedelta(days=1)).isoformat(), ""],
        "requested_on": [(today - datetime.timedelta(days=3)).isoformat()],
        "used_on": [today.isoformat()],
        "called_on": [today.isoformat()],
        "directive_signed_on": [today.isoformat()],
        "date_from": ["2020-01-01"],
        "date_to": ["2021-01-01", "2019-01-01"],
        "happened_at": [
            (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "1989-12-31T23:59",
            "9999-12-31T23:59",
            "0001-01-01T00:00",
        ],
        "channel": ["phone", "portal", "in_person", "pigeon"],
        "record_types": ["complete", "imaging_files", "other", "everything"],
        "records_wanted": ["complete", "billing", "nope"],
        "medium": ["electronic", "paper", "stone"],
        "delivery": ["portal", "disc", "drone"],
        "method": ["fax", "mail", ""],
        "forms_completed": ["on", "true", "false", "0"],
        "fee_estimate_asked": ["on", ""],
        "fee_estimate": ["12.50", "-1", "999999.99", "1000000.00", "1e10", "NaN", "Infinity", "0.001"],
        "referral_required": ["yes", "no", "unsure", "maybe"],
        "preauth_required": ["yes", "no", "unsure", ""],
        "provider_response": ["supportive", "dismissive", "hostile"],
        "felt_dismissed": ["yes", "no", "unsure"],
        "met_tension": ["yes", "no", "unsure"],
        "wants_to_return": ["yes", "no", "unsure"],
        "referral_needed": ["yes", "no", "unsure"],
        "approach": ["routine", "collaborative", "aggressive"],
        "next": ["overview", "request_new", "pushback", "//evil.example/", "javascript:alert(1)"],
        "time_zone": ["Europe/London", "America/New_York", "UTC", "Mars/Olympus_Mons", "../../etc/passwd"],
        "quiet_hours_start": ["21:00", "25:00", "9", "23:59:60"],
        "quiet_hours_end": ["08:00", "-1:00", "07:30"],
        "display_name": ["Alex"],
        "form": ["channels", "cases", "devices", ""],
        "push_reminders": ["on", ""],
        "email_reminders": ["auto", "always", "never", "sometimes"],
        f"case-{case.code}": ["on", ""],
        f"case-{other_case.code}": ["on", ""],
        "portal_url": ["https://portal.example.com", "javascript:alert(1)", "http://[::1"],
        "name": ["Practice two"],
        "endpoint": [PUSH_ENDPOINT, OTHER_PUSH_ENDPOINT, PUSH_ENDPOINT.upper(), " " + PUSH_ENDPOINT],
        "client_id": [str(uuid.UUID(int=2)), "not-a-uuid", "urn:uuid:" + str(uuid.UUID(int=3))],
        "disclosed_by": ["provider", "all", "other", "nobody"],
        "information": ["related", "all", "described", "everything"],
        "purpose": ["At my request.", "   "],
        "expires_on": [(today + datetime.timedelta(days=365)).isoformat(), today.isoformat(), "9999-12-31"],
        "signed_on": [today.isoformat(), (today + datetime.timedelta(days=1)).isoformat(), "1900-01-01"],
        "revoked_on": [today.isoformat(), "2000-01-01"],
    }
    provider_roles: list[str | None] = ["records_office", "current", "second_opinion", "advocate"]
    authorization_choices: dict[str, list[str | None]] = {
        "recipient": [str(owner.pk), str(bystander.pk), "0"],
        "provider": [str(mine.holder.pk), str(theirs.holder.pk), ""],
    }
    world.field_values_for = {
        ("provider_new", "role"): provider_roles,
        ("provider_edit", "role"): provider_roles,
        ("team_detail", "role"): ["member", "admin", "owner"],
        # The bystander's address too: an invitation to the owner's team changes none of their rows.
        ("team_detail", "email"): [
            "viewer@example.com",
            "advocate@example.com",
            "nobody@example.com",
            "bystander@example.com",
        ],
        # With "approach" in the form, the page takes the framing chosen after the questions.
        ("approach", "approach"): [None, "routine", "collaborative", "aggressive"],
        ("request_edit", "requested_on"): [None, (today - datetime.timedelta(days=3)).isoformat()],
        # The appointment's doctor: one of this case's, or of another.
        ("visit", "doctor"): [str(mine.spare_provider.pk), str(theirs.spare_provider.pk), "0"],
        ("bring_tick", "key"): ["medications", "questions", f"item-{theirs.thing.pk}", "request-0"],
        # An authorization names a person on the case (a user id) and one of its doctors.
        **{
            (endpoint, field_name): values
            for endpoint in ("authorization_new", "authorization_edit")
            for field_name, values in authorization_choices.items()
        },
    }
    world.own_rows = Snapshot(rows_of(case, owner, team))
    world.bystander_rows = Snapshot(rows_of(other_case, bystander, other_team))
    world.before = world.snapshot()
    world.bystander_before = world.bystander_snapshot()
    return world


# The hostile inputs ---------------------------------------------------------------------------------

# Each contains a character HTML escaping changes, so a raw one in an HTML answer is an unescaped echo.
MARKERS = [
    "<script>fuzz(1)</script>",
    '"><img src=x onerror=fuzz(2)>',
    "'><svg/onload=fuzz(3)>",
    '" autofocus onfocus="fuzz(4)',
    "</textarea><b>fuzz(5)</b>",
]

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\r\n",
    "\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    "\x01\x07\x08\x1b[31m\x7f",
    "\u202eevil\u202c",
    "\u200f\u200e\u061cمرحبا",
    "\u200b\ufeff\u2060",
    "\U0001f469\u200d\u2695\ufe0f\U0001f3f3\ufe0f\u200d\U0001f308",
    "e" + "\u0301" * 200,
    "\ufffd\uffff\U0010ffff",
    "\\ud800\\udfff",
    "%ED%A0%80",
    "{{ request.user.password }}",
    "{% debug %}",
    "'; DROP TABLE cases_case; --",
    "${7*7}",
    "../../../etc/passwd",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "-1",
    "0",
    "-0",
    "2147483648",
    "9223372036854775808",
    "9" * 400,
    "1e309",
    "NaN",
    "-Infinity",
    "0x1F",
    "\uff11\uff12",
    "\u00b2",  # a digit to str.isdigit(), and not to int()
    "0000-00-00",
    "0000-01-01",
    "0001-01-01",
    "10000-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "2024-02-29",
    "1969-12-31T23:59:59",
    "2026-01-01T25:61",
    "20260101",
    "99:99",
    str(uuid.UUID(int=0)),
    "OWNER@EXAMPLE.COM",
    *MARKERS,
]


def huge(unit: str, length: int) -> str:
    return (unit * (length // max(len(unit), 1) + 1))[:length]


scalar = st.one_of(
    st.sampled_from(NASTY),
    st.builds(
        huge,
        st.sampled_from(["a", "\U0001f600", "<script>fuzz(1)</script>", "\x00", "é"]),
        st.sampled_from([301, 5001, 20001, 100_000]),
    ),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


EXTRA_FIELDS = [
    "csrfmiddlewaretoken",
    "id",
    "pk",
    "case",
    "case_id",
    "user",
    "owner",
    "created_by",
    "position",
    "status",
    "version",
    "code",
    "__proto__",
    "x" * 300,
    "\x00",
    "<script>fuzz(1)</script>",
]


def known_values(world: World, endpoint: str, name: str) -> list[str | None]:
    return world.field_values_for.get((endpoint, name)) or world.field_values.get(name, [])


def value_for(world: World, endpoint: str, name: str) -> st.SearchStrategy[str | list[str]]:
    known = [value for value in known_values(world, endpoint, name) if value is not None]
    one = st.one_of(st.sampled_from(known), scalar) if known else scalar
    return st.one_of(one, one, st.lists(one, min_size=0, max_size=3))


@st.composite
def form_data(draw: st.DrawFn, world: World, endpoint: str, fields: list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {}
    near_valid = draw(st.booleans())
    if fields and near_valid:
        # A form that would pass but for (at most) one field: reaches the saving code, and the page after.
        for name in fields:
            valid = (known_values(world, endpoint, name) or ["Plain words"])[0]
            if valid is not None:
                data[name] = valid
        spoiled = draw(st.sampled_from([*fields, None]))
        if spoiled is not None:
            data[spoiled] = draw(value_for(world, endpoint, spoiled))
    else:
        for name in fields:
            if draw(st.integers(0, 5)) > 0:  # now and then the field is missing
                data[name] = draw(value_for(world, endpoint, name))
    for name in draw(st.lists(st.sampled_from(EXTRA_FIELDS), max_size=2, unique=True)):
        data.setdefault(name, draw(scalar))
    return data


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), scalar),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(scalar, children, max_size=3)),
    max_leaves=8,
)

RAW_BODIES = [
    b"",
    b"\xff\xfe\x00\x00",
    b"{",
    b'{"endpoint": ',
    b"[" * 100_000,
    b"{" * 50_000,
    b'"' + b"\\ud800" * 10 + b'"',
    b"1e999999",
    b"NaN",
    b"a=%ZZ&b=%&=&&==&%00=%00",
    b"title=" + b"%E2%80%AE" * 1000,
    b'--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\nunterminated',
    b"--xyz--\r\n",
    b"\x00" * 1000,
]

CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "multipart/form-data; boundary=" + "b" * 200,
    "application/json",
    "application/json; charset=latin-1",
    "text/plain",
    "text/html",
    "application/xml",
    "",
]


def push_subscription_json() -> st.SearchStrategy[object]:
    """Bodies for the push subscription endpoint: real ones (a new device, and the owner's own again), real
    ones with one part spoiled, and junk. Never the bystander's endpoint: one that another person had moves
    to whoever sends it, by design (the browser changed hands)."""
    endpoints = [
        "https://fcm.googleapis.com/fcm/send/new-device",
        PUSH_ENDPOINT,
        "https://fcm.googleapis.com/fcm/send/" + "a" * 990,
        "https://fcm.googleapis.com/fcm/send/" + "a" * 2000,
        "http://127.0.0.1:6379/",
        "http://localhost:8000/",
        "https://10.0.0.1/push",
        "https://[::1]/push",
        "https://user:pw@push.example.com/",
        "https://metadata.internal/",
        "https://push.local/",
        "javascript:alert(1)",
        "https://\u202eevil.example/",
        "https://xn--80ak6aa92e.com/",
        "https:///no-host",
        "https://push.example.com:99999/",
        "https://[not-an-ip]/",
        "https://fcm.googleapis.com/fcm/send/<script>fuzz(1)</script>",
        # JSON's \u escapes can spell half of a surrogate pair: a string Python holds, but no database.
        "https://push.example.com/\ud800",
        "https://push.example.com/\x00",
    ]
    good = browser_keys(seed=7)
    p256dh = [
        good["p256dh"],
        good["p256dh"] + "==",
        b64url(b"\x04" + b"\x00" * 64),
        b64url(b"\x04" * 66),
        "*" * 87,
    ]
    auth = [good["auth"], b64url(b"\x00" * 15), good["auth"] + "=", "=" * 24]
    parts = {
        "endpoint": st.one_of(st.sampled_from(endpoints), json_values),
        "p256dh": st.one_of(st.sampled_from(p256dh), json_values),
        "auth": st.one_of(st.sampled_from(auth), json_values),
    }

    @st.composite
    def near_valid(draw: st.DrawFn) -> object:
        # A real endpoint, or an https one a push service could have made but a database may not store.
        plausible = [*endpoints[:2], *endpoints[:2], *endpoints[-4:]]
        chosen = {"endpoint": draw(st.sampled_from(plausible)), "p256dh": p256dh[0], "auth": auth[0]}
        spoiled = draw(st.sampled_from([*parts, "none", "none"]))
        if spoiled in parts:
            chosen[spoiled] = draw(parts[spoiled])
        body: dict[str, object] = {
            "endpoint": chosen["endpoint"],
            "expirationTime": draw(st.one_of(st.none(), json_values)),
            "keys": {"p256dh": chosen["p256dh"], "auth": chosen["auth"]},
        }
        if draw(st.booleans()):
            body[draw(scalar)] = draw(json_values)
        return body

    junk = st.fixed_dictionaries(
        {},
        optional={
            "endpoint": parts["endpoint"],
            "keys": st.one_of(
                st.fixed_dictionaries({}, optional={"p256dh": parts["p256dh"], "auth": parts["auth"]}),
                json_values,
            ),
            "extra": json_values,
        },
    )
    return st.one_of(near_valid(), near_valid(), junk, json_values)


@dataclass
class Post:
    """One request as the fuzzer sends it: a dict is sent as a multipart form, bytes as they are."""

    body: bytes | dict[str, str | list[str]]
    content_type: str | None
    headers: dict[str, str]
