"""The authorization's pages in a real browser, on the narrowest phone (320 px): nothing needs sideways
scrolling, and axe-core finds no serious or critical problem, in the light and the dark theme."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from secondop.authorizations.models import Authorization
from secondop.cases.models import Case, Membership, Role
from tests.authorizations.helpers import doctor
from tests.conftest import make_user
from tests.e2e.conftest import new_phone_context, sign_in_context
from tests.e2e.test_accessibility import Audit, axe_source  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_pages_fit_a_small_phone_and_pass_axe(
    browser: Browser,
    live_server: object,
    axe_source: Path,  # noqa: F811
    scheme: str,
) -> None:
    owner = make_user("owner@example.com")
    advocate = make_user("advocate@example.com")
    advocate.display_name = "Sam Lee"
    advocate.save()
    case = Case.open_for(owner, patient_name="Alex Rivera", concern="the knee surgery")
    Membership.objects.create(case=case, user=advocate, role=Role.ADVOCATE)
    authorization = Authorization.objects.create(
        case=case,
        recipient=advocate,
        recipient_name="Sam Lee",
        recipient_email=advocate.email,
        provider=doctor(case),
        representative_name="Jo Rivera",
        representative_authority="Health care power of attorney for Alex Rivera, signed in 2024",
    )
    base = f"/cases/{case.code}/authorizations"
    context = new_phone_context(browser, color_scheme=scheme)
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 320, "height": 640})
        url = str(getattr(live_server, "url", live_server))
        sign_in_context(context, url, advocate)
        audit = Audit(page, url, axe_source, scheme)
        for name, path in [
            ("people", f"/cases/{case.code}/people/"),
            ("new", f"{base}/new/"),
            ("edit", f"{base}/{authorization.pk}/edit/"),
            ("detail", f"{base}/{authorization.pk}/"),
            ("print", f"{base}/{authorization.pk}/print/"),
        ]:
            audit.visit(name, path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at 320 px wide"
        page.goto(f"{url}{base}/new/")
        page.get_by_label("It ends on").fill("2001-01-01")
        page.get_by_role("button", name="Save").click()
        assert page.get_by_text("Choose a date after today").is_visible()
        audit.check("new (an error)")
        audit.assert_clean()
    finally:
        context.close()
