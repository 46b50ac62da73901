"""Owners invite and remove colleagues; invitation links work once, for a while."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

from data import AuditEvent, Role, User, utcnow
from services.auth.team import accept_invitation, invite_member, list_team, remove_member
from services.config.runtime import Runtime
from services.errors import Forbidden, InvalidInput, LimitExceeded, NotFound
from services.principal import RequestInfo
from tests.factories import Factory, principal_for
from tests.test_invoices import TODAY
from tests.web import ORIGIN, post_login, sign_in

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SECRET = pyotp.random_base32(32)


@pytest.fixture
def company(session: Session, make: Factory):  # type: ignore[no-untyped-def]
    tier = make.tier(max_users=3)
    customer = make.customer(tier_id=tier.id)
    owner = make.user(role=Role.OWNER, customer=customer, email="boss@company.example", mfa_secret=SECRET)
    viewer = make.user(role=Role.VIEWER, customer=customer, email="viewer@company.example")
    session.commit()
    return {"customer": customer, "owner": principal_for(owner), "viewer": principal_for(viewer),
            "viewer_user": viewer}


def test_owner_invites_and_the_link_sets_a_password_once(session: Session, runtime: Runtime, company) -> None:  # type: ignore[no-untyped-def]
    issued = invite_member(session, runtime, company["owner"], email=" New@Company.example ", role=Role.ACCOUNTANT,
                           display_name="Nina", today=TODAY)
    assert issued.email == "new@company.example" and len(issued.token) >= 43
    members = {m.email: m for m in list_team(session, company["owner"], TODAY)}
    assert members["new@company.example"].invited_pending and members["new@company.example"].role == Role.ACCOUNTANT
    with pytest.raises(InvalidInput):
        accept_invitation(session, runtime, issued.token, "short", RequestInfo())
    assert accept_invitation(session, runtime, issued.token, "a fine new passphrase", RequestInfo()) == issued.email
    with pytest.raises(NotFound):
        accept_invitation(session, runtime, issued.token, "a second passphrase", RequestInfo())
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "team.invite_accepted")).one()


def test_invitation_links_expire(session: Session, runtime: Runtime, company) -> None:  # type: ignore[no-untyped-def]
    issued = invite_member(session, runtime, company["owner"], email="late@company.example", role=Role.VIEWER,
                           display_name="", today=TODAY)
    with pytest.raises(NotFound):
        accept_invitation(session, runtime, issued.token, "a fine new passphrase", RequestInfo(),
                          now=utcnow() + timedelta(days=8))


def test_the_tier_caps_the_team_size(session: Session, runtime: Runtime, company) -> None:  # type: ignore[no-untyped-def]
    invite_member(session, runtime, company["owner"], email="third@company.example", role=Role.VIEWER,
                  display_name="", today=TODAY)
    with pytest.raises(LimitExceeded, match="includes 3 users"):
        invite_member(session, runtime, company["owner"], email="fourth@company.example", role=Role.VIEWER,
                      display_name="", today=TODAY)


@pytest.mark.parametrize(("email", "role", "message"), [
    ("not-an-email", Role.VIEWER, "valid e-mail"),
    ("viewer@company.example", Role.VIEWER, "in your team already"),
    ("x@company.example", Role.ADMIN, "owner, accountant or viewer"),
])
def test_bad_invitations_are_refused_clearly(session: Session, runtime: Runtime, company, email: str, role: Role,  # type: ignore[no-untyped-def]
                                             message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        invite_member(session, runtime, company["owner"], email=email, role=role, display_name="", today=TODAY)


def test_only_owners_manage_the_team(session: Session, runtime: Runtime, company) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        invite_member(session, runtime, company["viewer"], email="x@company.example", role=Role.VIEWER,
                      display_name="", today=TODAY)
    with pytest.raises(Forbidden):
        remove_member(session, runtime, company["viewer"], company["owner"].user_id, TODAY)


def test_removing_a_member_ends_their_access_but_keeps_an_owner(session: Session, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                                      company, make: Factory) -> None:
    remove_member(session, runtime, company["owner"], company["viewer"].user_id, TODAY)
    assert session.get(User, company["viewer"].user_id).is_active is False  # type: ignore[union-attr]
    with pytest.raises(InvalidInput, match="yourself"):
        remove_member(session, runtime, company["owner"], company["owner"].user_id, TODAY)
    stranger = make.user(role=Role.VIEWER)
    with pytest.raises(NotFound):
        remove_member(session, runtime, company["owner"], stranger.id, TODAY)  # type: ignore[arg-type]
    second_owner = make.user(role=Role.OWNER, customer=company["customer"])
    remove_member(session, runtime, principal_for(second_owner), company["owner"].user_id, TODAY)
    assert session.get(User, company["owner"].user_id).is_active is False  # type: ignore[union-attr]
    # Had the acting owner been disabled meanwhile, the company would still keep its last owner.
    second_owner.is_active = False
    third_owner = make.user(role=Role.OWNER, customer=company["customer"])
    with pytest.raises(InvalidInput, match="at least one owner"):
        remove_member(session, runtime, principal_for(second_owner), third_owner.id, TODAY)  # type: ignore[arg-type]


async def test_the_invitation_journey_over_http(user: SimUser, session: Session, runtime: Runtime, company) -> None:  # type: ignore[no-untyped-def]
    issued = invite_member(session, runtime, company["owner"], email="journey@company.example", role=Role.VIEWER,
                           display_name="", today=TODAY)
    session.commit()
    page = await user.http_client.get(f"/invite/{issued.token}")
    assert page.status_code == 200 and "journey@company.example" in page.text
    assert (await post_login(user.http_client, "journey@company.example", "")).headers[
        "location"] == "/login?error=invalid"
    mismatch = await user.http_client.post("/auth/invite", headers=ORIGIN, data={
        "token": issued.token, "password": "a fine new passphrase", "repeat": "another"})
    assert mismatch.headers["location"].endswith("?problem=mismatch")
    done = await user.http_client.post("/auth/invite", headers=ORIGIN, data={
        "token": issued.token, "password": "a fine new passphrase", "repeat": "a fine new passphrase"})
    assert done.headers["location"] == "/login?error=password_set"
    again = await user.http_client.post("/auth/invite", headers=ORIGIN, data={
        "token": issued.token, "password": "a fine new passphrase", "repeat": "a fine new passphrase"})
    assert again.headers["location"].endswith("?problem=expired")
    login = await post_login(user.http_client, "journey@company.example", "a fine new passphrase")
    assert login.headers["location"] == "/login/enroll"
    with time_machine.travel(utcnow() + timedelta(days=30)):
        assert "not valid any more" in (await user.http_client.get("/invite/whatever")).text


async def test_the_team_page_is_for_owners_only(user: SimUser, session: Session, company) -> None:  # type: ignore[no-untyped-def]
    await sign_in(user.http_client, "boss@company.example", SECRET)
    page = await user.http_client.get("/team")
    assert page.status_code == 200 and "viewer@company.example" in page.text
    viewer = company["viewer_user"]
    viewer_secret = pyotp.random_base32(32)
    from services.auth.totp import seal_secret
    from tests.factories import TEST_SECRET_KEY

    viewer.totp_secret_encrypted = seal_secret(TEST_SECRET_KEY, viewer_secret)
    session.add(viewer)
    session.commit()
    user.http_client.cookies.clear()
    await sign_in(user.http_client, "viewer@company.example", viewer_secret)
    assert (await user.http_client.get("/team")).status_code == 404


def test_inviting_an_address_known_elsewhere_answers_like_any_other(session: Session, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                                    company, make: Factory) -> None:
    from data import Tier
    from services.auth.team import describe_invitation

    make.user(role=Role.OWNER, customer=make.customer(), email="taken@elsewhere.example")
    tier = session.get(Tier, company["customer"].tier_id)
    tier.max_users = 4  # type: ignore[union-attr]  # the owner, the viewer and the two invited below
    session.commit()
    owner = company["owner"]
    answers = {email: invite_member(session, runtime, owner, email=email, role=Role.VIEWER, display_name="A",
                                    today=TODAY)
               for email in ("new@nowhere.example", "taken@elsewhere.example")}
    # The same answer, the same team list, the same link page; nothing says which address is known.
    assert {type(answer) for answer in answers.values()} == {type(answers["new@nowhere.example"])}
    team = {member.email: member for member in list_team(session, owner, TODAY)}
    for email in answers:
        assert (team[email].active, team[email].invited_pending, team[email].role) == (True, True, Role.VIEWER)
        view = describe_invitation(session, answers[email].token)
        assert view is not None and view.email == email
    with pytest.raises(LimitExceeded):  # both hold a place in the team, like any invited member
        invite_member(session, runtime, owner, email="third@nowhere.example", role=Role.VIEWER, display_name="",
                      today=TODAY)
    for email in answers:  # asking again says "in your team already" for both
        with pytest.raises(InvalidInput, match="in your team already"):
            invite_member(session, runtime, owner, email=email, role=Role.VIEWER, display_name="", today=TODAY)
    # Only the address's owner, choosing a password, learns that it has an account already.
    with pytest.raises(InvalidInput, match="has an account with the portal already"):
        accept_invitation(session, runtime, answers["taken@elsewhere.example"].token, "a long passphrase here",
                          RequestInfo())
    # Removing it works like removing anyone and frees the place.
    known = team["taken@elsewhere.example"]
    remove_member(session, runtime, owner, known.user_id, TODAY, invitation_id=known.invitation_id)
    after = {member.email: member for member in list_team(session, owner, TODAY)}
    assert after["taken@elsewhere.example"].active is False
    invite_member(session, runtime, owner, email="third@nowhere.example", role=Role.VIEWER, display_name="",
                  today=TODAY)
