"""SQLAlchemy models of the club's data (the bridge's tables are in
`bot.bridge.store.records`, on the same `Base`).

Money is stored in integer đồng. Text is stored as typed (NFC), never folded.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base

from bot.club.vocab import (
    CAMPAIGN_STATUSES,
    CHILD_STATUSES,
    LINK_REQUEST_STATUSES,
    REGISTRATION_STATUSES,
    SPONSOR_REQUEST_STATUSES,
    STAFF_ROLES,
    TICKET_STATUSES,
    status_check,
)

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.utcnow()


class Campaign(Base):
    """A volunteer campaign (chiến dịch) such as a winter clothes trip or a build."""

    __tablename__ = "campaigns"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, unique=True)
    synonyms = Column(Text, nullable=False, default="")  # "|"-separated
    description = Column(Text, nullable=False, default="")
    district = Column(String(100), nullable=False)
    province = Column(String(100), nullable=False, default="Thanh Hóa")
    start_date = Column(Date, nullable=False)
    end_date = Column(Date, nullable=False)
    registration_deadline = Column(Date)
    capacity = Column(Integer)
    requirements = Column(Text, nullable=False, default="")
    # Where volunteers meet, how they travel, sleep and eat; "" when not yet set.
    logistics = Column(Text, nullable=False, default="", server_default="")
    cost = Column(Integer, nullable=False, default=0)
    status = Column(String(20), nullable=False, default="planned")
    min_age = Column(Integer, nullable=False, default=18)
    max_age = Column(Integer)

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="ck_campaign_dates"),
        CheckConstraint("cost >= 0", name="ck_campaign_cost"),
        CheckConstraint(
            "capacity IS NULL OR capacity > 0", name="ck_campaign_capacity"
        ),
        status_check("status", CAMPAIGN_STATUSES, "ck_campaign_status"),
    )

    @property
    def synonym_list(self) -> list[str]:
        return [s.strip() for s in (self.synonyms or "").split("|") if s.strip()]

    def is_upcoming(self, today: date) -> bool:
        return self.end_date >= today and self.status not in ("done", "cancelled")


class VolunteerRegistration(Base):
    """A person signed up for a campaign through the bot (or by staff)."""

    __tablename__ = "volunteer_registrations"

    id = Column(Integer, primary_key=True)
    code = Column(String(20), nullable=False, unique=True)
    campaign_id = Column(Integer, ForeignKey("campaigns.id"), nullable=False)
    full_name = Column(String(200), nullable=False)
    phone = Column(String(20), nullable=False)  # normalised: 0xxxxxxxxx
    birth_year = Column(Integer, nullable=False)
    school_or_work = Column(String(200), nullable=False, default="")
    conversation_id = Column(String(200))
    source = Column(String(200), index=True)  # who asked (see DAILY_REQUESTS)
    status = Column(String(20), nullable=False, default="registered")
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("campaign_id", "phone", name="uq_registration_campaign_phone"),
        status_check("status", REGISTRATION_STATUSES, "ck_registration_status"),
    )


class Child(Base):
    """A child of "Nuôi em". Private fields go only to the child's verified sponsor."""

    __tablename__ = "children"

    id = Column(Integer, primary_key=True)
    code = Column(String(20), nullable=False, unique=True)  # e.g. NE0123
    given_name = Column(String(100), nullable=False)
    birth_year = Column(Integer)
    school = Column(String(200), nullable=False, default="")
    grade = Column(String(20), nullable=False, default="")
    district = Column(String(100), nullable=False, default="")
    needs = Column(Text, nullable=False, default="")
    public_note = Column(Text, nullable=False, default="")
    private_note = Column(Text, nullable=False, default="")
    photo_path = Column(String(300))
    status = Column(String(20), nullable=False, default="waiting")
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (status_check("status", CHILD_STATUSES, "ck_child_status"),)


class Sponsor(Base):
    """A sponsor (người nhận nuôi) or known donor, linked to chat accounts."""

    __tablename__ = "sponsors"

    id = Column(Integer, primary_key=True)
    full_name = Column(String(200), nullable=False)
    phone = Column(String(20), nullable=False, unique=True)  # normalised
    email = Column(String(200))
    messenger_id = Column(String(100), unique=True)
    zalo_id = Column(String(100), unique=True)
    # When the linked account last proved the phone: a link older than
    # LOOKUP_VERIFY_DAYS no longer counts as verified (bot.club.sponsors).
    messenger_verified_at = Column(DateTime)
    zalo_verified_at = Column(DateTime)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class Sponsorship(Base):
    """A sponsor pays a monthly amount for a child from `since` until `until`."""

    __tablename__ = "sponsorships"

    id = Column(Integer, primary_key=True)
    child_id = Column(Integer, ForeignKey("children.id"), nullable=False)
    sponsor_id = Column(Integer, ForeignKey("sponsors.id"), nullable=False)
    monthly_amount = Column(Integer, nullable=False, default=160_000)
    since = Column(Date, nullable=False)
    until = Column(Date)

    __table_args__ = (
        CheckConstraint("monthly_amount > 0", name="ck_sponsorship_amount"),
        CheckConstraint("until IS NULL OR until >= since", name="ck_sponsorship_dates"),
        # One active sponsor per child.
        Index(
            "uq_sponsorship_active_child",
            "child_id",
            unique=True,
            sqlite_where=text("until IS NULL"),
            postgresql_where=text("until IS NULL"),
        ),
    )


class SponsorRequest(Base):
    """Someone asked through the bot to sponsor; staff follow up."""

    __tablename__ = "sponsor_requests"

    id = Column(Integer, primary_key=True)
    full_name = Column(String(200), nullable=False)
    phone = Column(String(20), nullable=False)
    children_count = Column(Integer, nullable=False, default=1)
    district_preference = Column(String(100), nullable=False, default="")
    conversation_id = Column(String(200))
    source = Column(String(200), index=True)
    status = Column(String(20), nullable=False, default="pending")
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        CheckConstraint("children_count BETWEEN 1 AND 20", name="ck_request_count"),
        status_check("status", SPONSOR_REQUEST_STATUSES, "ck_request_status"),
    )


class Fund(Base):
    """Where money goes: Nuôi em, building schools, a campaign's fund."""

    __tablename__ = "funds"

    id = Column(Integer, primary_key=True)
    code = Column(String(30), nullable=False, unique=True)  # used in transfer memos
    name = Column(String(200), nullable=False)
    description = Column(Text, nullable=False, default="")


class Donation(Base):
    """Money received, in integer đồng."""

    __tablename__ = "donations"

    id = Column(Integer, primary_key=True)
    date = Column(Date, nullable=False)
    amount = Column(Integer, nullable=False)
    fund_id = Column(Integer, ForeignKey("funds.id"), nullable=False)
    sponsor_id = Column(Integer, ForeignKey("sponsors.id"))
    child_id = Column(Integer, ForeignKey("children.id"))
    donor_name = Column(String(200), nullable=False, default="")
    memo = Column(String(500), nullable=False, default="")
    source = Column(String(30), nullable=False, default="bank")
    reference = Column(String(100), unique=True)  # bank transaction id

    __table_args__ = (CheckConstraint("amount > 0", name="ck_donation_amount"),)


class Expense(Base):
    """Money spent, with a link to the proof (invoice, photo)."""

    __tablename__ = "expenses"

    id = Column(Integer, primary_key=True)
    date = Column(Date, nullable=False)
    amount = Column(Integer, nullable=False)
    fund_id = Column(Integer, ForeignKey("funds.id"), nullable=False)
    purpose = Column(Text, nullable=False)
    proof_link = Column(String(500), nullable=False, default="")
    # The monthly report's "spent by category" (bot/reports/monthly); None:
    # guessed there from the purpose (expenses entered before 0013, or by CSV).
    category = Column(String(40))

    __table_args__ = (CheckConstraint("amount > 0", name="ck_expense_amount"),)


class HandoffTicket(Base):
    """A conversation handed to a person; the bot stays silent while it is open."""

    __tablename__ = "handoff_tickets"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False, index=True)
    platform = Column(String(20), nullable=False, default="")
    last_message = Column(Text, nullable=False, default="")
    source = Column(String(200), index=True)
    status = Column(String(20), nullable=False, default="open")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    closed_at = Column(DateTime)
    closed_by = Column(String(100))
    assigned_to = Column(String(100))  # the staff member who took it

    __table_args__ = (status_check("status", TICKET_STATUSES, "ck_handoff_status"),)


class TicketNote(Base):
    """A staff-only note on a handoff ticket (never sent to the user)."""

    __tablename__ = "ticket_notes"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id"), nullable=False)
    username = Column(String(100), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class LookupAttempt(Base):
    """A child look-up verification try. Failures count per child code, per
    source (a web client's hashed address, a Messenger/Zalo user) and overall
    (bot.club.sponsors); staff clear them with `python -m bot lookup-locks`."""

    __tablename__ = "lookup_attempts"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False)
    child_code = Column(String(20))
    source = Column(String(200))
    succeeded = Column(Boolean, nullable=False, default=False)
    cleared = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_lookup_conversation_time", "conversation_id", "created_at"),
        Index("ix_lookup_code_time", "child_code", "created_at"),
        Index("ix_lookup_source_time", "source", "created_at"),
        Index("ix_lookup_time", "created_at"),
    )


class LinkRequest(Base):
    """A chat account that proved a sponsor's phone while the sponsor already
    has another account linked (or the account another sponsor): it is verified
    for its own conversation only, until staff approve the link."""

    __tablename__ = "link_requests"

    id = Column(Integer, primary_key=True)
    sponsor_id = Column(Integer, ForeignKey("sponsors.id"), nullable=False)
    platform = Column(String(20), nullable=False)
    user_id = Column(String(100), nullable=False)
    status = Column(String(20), nullable=False, default="pending")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    decided_at = Column(DateTime)
    decided_by = Column(String(100))

    __table_args__ = (
        status_check("status", LINK_REQUEST_STATUSES, "ck_link_request_status"),
        Index("ix_link_request_account", "platform", "user_id"),
    )


class StaffUser(Base):
    """A club member who may use the staff console."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(100), nullable=False, unique=True)
    password_hash = Column(String(300), nullable=False)
    role = Column(String(20), nullable=False, default="admin")
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (status_check("role", STAFF_ROLES, "ck_staff_role"),)


class AuditEntry(Base):
    """One thing a staff member did in the console (bot.console.audit)."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    username = Column(String(100), nullable=False)
    action = Column(String(50), nullable=False)
    detail = Column(String(500), nullable=False, default="")
    address = Column(String(100), nullable=False, default="")


class DemoData(Base):
    """The demo club's rows, per table: every row up to `max_id` was loaded from
    data/seed/ (bot.club.seed); imports refuse to mix real data with them."""

    __tablename__ = "demo_data"

    table_name = Column(String(50), primary_key=True)
    max_id = Column(Integer, nullable=False)
    loaded_at = Column(DateTime, nullable=False, default=utcnow)
