from collections.abc import Generator

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from secondop.accounts.models import User
from secondop.cases.models import Case, Membership, Role

PASSWORD = "a calm long passphrase"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # allauth's and the app's rate limits live in the cache; each test starts with none used.
    cache.clear()


@pytest.fixture(autouse=True)
def _english_to_start() -> Generator[None]:
    # A request leaves its language active in the thread (LocaleMiddleware sets it per request): each test
    # starts in the default language, as each request does.
    translation.activate("en")
    yield
    translation.deactivate()


def make_user(email: str, *, verified: bool = True) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD)
    if verified:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


@pytest.fixture
def owner(db: None) -> User:
    return make_user("owner@example.com")


@pytest.fixture
def advocate(db: None) -> User:
    return make_user("advocate@example.com")


@pytest.fixture
def viewer(db: None) -> User:
    return make_user("viewer@example.com")


@pytest.fixture
def stranger(db: None) -> User:
    return make_user("stranger@example.com")


@pytest.fixture
def case(owner: User, advocate: User, viewer: User) -> Case:
    """A case its owner opened, shared with an advocate and a viewer."""
    case = Case.open_for(owner, patient_name="Alex Rivera", concern="the knee surgery")
    Membership.objects.create(case=case, user=advocate, role=Role.ADVOCATE)
    Membership.objects.create(case=case, user=viewer, role=Role.VIEWER)
    return case


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
