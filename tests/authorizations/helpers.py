"""What the authorization tests share: a day to stand on, a doctor, the form's answers, and a reader of the
pages' HTML (text by element id, headings, form controls and their labels)."""

import datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import User
from secondop.authorizations.models import Authorization
from secondop.cases.models import Case
from secondop.records.models import Provider, ProviderRole

TODAY = datetime.date(2026, 3, 2)
ENDS = datetime.date(2027, 3, 2)


def on(day: datetime.date) -> time_machine.travel:
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC), tick=False
    )


def doctor(case: Case) -> Provider:
    return Provider.objects.create(
        case=case,
        role=ProviderRole.CURRENT,
        name="Dr. Maria Chen",
        practice="Eastside Clinic",
        address="1 Main Street, Springfield",
    )


def answers(recipient: User, provider: Provider | None, /, **changes: object) -> dict[str, object]:
    """What a person fills in on the form: the defaults, for the given recipient and doctor."""
    data: dict[str, object] = {
        "recipient": recipient.pk,
        "recipient_name": "",
        "disclosed_by": "provider",
        "provider": provider.pk if provider else "",
        "disclosed_by_other": "",
        "information": "related",
        "information_detail": "",
        "purpose": "To help me get a second opinion, at my request.",
        "expires_on": ENDS.isoformat(),
        "expiry_event": "when my second opinion is complete",
        "representative_name": "",
        "representative_authority": "",
    }
    data.update(changes)
    return data


def make(client: Client, case: Case, data: dict[str, object]) -> Authorization:
    """Makes an authorization through the form, as a person would."""
    response = client.post(reverse("authorization_new", args=[case.code]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return case.authorizations.order_by("-pk").first()  # type: ignore[return-value]


class Page(HTMLParser):
    """Reads a page: the text inside every element with an id, the headings of its content (<main>), the
    form controls and the labels' targets."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, list[str]] = {}
        self.open: list[tuple[str, str | None]] = []
        self.headings: list[int] = []
        self.controls: list[dict[str, str]] = []
        self.label_targets: set[str] = set()
        self.styled = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.styled += "style" in attributes
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and any(name == "main" for name, _ in self.open):
            self.headings.append(int(tag[1]))
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, **attributes})
        if tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        if tag in self.VOID:
            return
        element_id = attributes.get("id")
        if element_id:
            self.texts.setdefault(element_id, [])
        self.open.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            opened, _ = self.open.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, element_id in self.open:
            if element_id:
                self.texts[element_id].append(data)

    def text(self, element_id: str) -> str:
        assert element_id in self.texts, f"no element with id={element_id!r}"
        return " ".join(unescape("".join(self.texts[element_id])).split())

    def unlabelled_controls(self) -> list[dict[str, Any]]:
        return [
            control
            for control in self.controls
            if control.get("type") not in ("hidden", "submit", "button")
            and control.get("id") not in self.label_targets
        ]

    def headings_in_order(self) -> bool:
        """The page's content starts at its one h1, and no heading skips a level on the way down."""
        levels = self.headings
        steps = zip(levels, levels[1:], strict=False)
        return levels[:1] == [1] and levels.count(1) == 1 and all(b <= a + 1 for a, b in steps)
