"""Writes of accounts, residents and reservations, and every move of a reservation's state.

Each move of the state machine (`reservations.states.TRANSITIONS`) is one service here, a
conditional update from the state it leaves: whoever comes second changes nothing. Apps above
(the lottery, orders, pickup) call these inside their own transactions; no module outside this
app writes a reservation or a win.
"""

import datetime
import hmac
import secrets
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, Greatest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from city.errors import Refused
from city.models import AuditAction, CampaignConfig, Community, District, ReservationWindow, Town
from city.phones import committee_recipient, phone_e164
from city.selectors import campaign_get, delivery_address, window_status
from city.services import audit_record
from notifications.models import Kind
from notifications.services import message_enqueue
from reservations import limits
from reservations.identity import identity_provider_get
from reservations.models import (
    CLOSED_STATES,
    Level,
    Method,
    PoolSnapshot,
    PoolState,
    Reservation,
    ReservationState,
    Resident,
    SignInCode,
    User,
    Win,
)
from reservations.selectors import (
    LATEST_CUTOFF_SQL,
    cooldown_ends,
    live_reservation,
    reservations_closed_before,
)
from reservations.states import Transition, transition
from reservations.validators import mask_document, validate_document

# --- residents: sign-in -----------------------------------------------------------------------

SIGN_IN_CODE_MINUTES = 10
SIGN_IN_MAX_WRONG_TRIES = 5


def _code_hash(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), "sha256").hexdigest()


def _too_many_codes(seconds: int) -> Refused:
    minutes = -(-seconds // 60)
    return Refused(
        "too_many_codes",
        _("Too many codes were requested. Please try again in %(minutes)d minutes.")
        % {"minutes": minutes},
        retry_after=seconds,
    )


def _live_code(*, phone: str, now: datetime.datetime) -> SignInCode | None:
    """The one code `sign_in_code_check` would accept for `phone` now: its latest live one."""
    return (
        SignInCode.objects.filter(
            phone=phone,
            used_at__isnull=True,
            expires_at__gt=now,
            wrong_tries__lt=SIGN_IN_MAX_WRONG_TRIES,
        )
        .order_by("-created_at")
        .first()
    )


def sign_in_code_send(
    *, phone: str, ip: str, language: str, now: datetime.datetime, device: str | None = None
) -> bool:
    """Send a fresh 6-digit code by SMS within the hourly limits; True when one went out.

    A request is counted per phone and address, and per address across phones; one from a
    browser with a device cookie for this phone (`device`, its nonce) only against its cookie,
    so an attacker elsewhere cannot stop the owner. Past the phone-wide cap on untrusted
    requests (the resident is not SMS-bombed) no new code is sent: while the latest code lives
    this returns False and that code keeps working (an attacker's requests deliver their codes
    to the owner's phone); with no live code, one more code goes out per code lifetime, and
    within it the person is told how long to wait.
    """
    hour = 3600
    if device:
        sources = [(f"sign-in:device:{device}", settings.SIGN_IN_CODES_PER_PHONE_AND_IP_PER_HOUR)]
        phone_wide = []
    else:
        sources = [
            (f"sign-in:phone-ip:{phone}:{ip}", settings.SIGN_IN_CODES_PER_PHONE_AND_IP_PER_HOUR),
            (f"sign-in:ip:{ip}", settings.SIGN_IN_CODES_PER_IP_PER_HOUR),
        ]
        phone_wide = [(f"sign-in:phone:{phone}", settings.SIGN_IN_CODES_PER_PHONE_PER_HOUR)]
    retry_after = limits.take([(key, limit, hour) for key, limit in sources])
    if retry_after:
        raise _too_many_codes(retry_after)
    retry_after = limits.take([(key, limit, hour) for key, limit in phone_wide])
    if retry_after:
        if _live_code(phone=phone, now=now) is not None:
            return False
        # No live code (expired, or burnt by wrong tries): one more code per code lifetime,
        # so that an attacker who fills the cap cannot keep the owner out for the rest of
        # the hour, while the phone gets at most six extra texts an hour.
        overflow = limits.take([(f"sign-in:phone-overflow:{phone}", 1, SIGN_IN_CODE_MINUTES * 60)])
        if overflow:
            raise _too_many_codes(min(retry_after, overflow))
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        row = SignInCode.objects.create(
            phone=phone,
            code_hash=_code_hash(phone, code),
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=SIGN_IN_CODE_MINUTES),
        )
        message_enqueue(
            recipient=phone_e164(phone),
            kind=Kind.SIGN_IN_CODE,
            dedupe_key=f"sign-in:{row.pk}",
            context={"code": code, "minutes": SIGN_IN_CODE_MINUTES},
            language=language,
        )
    return True


def sign_in_code_check(*, phone: str, code: str, now: datetime.datetime) -> User:
    """The account for `phone` if `code` is its latest live code; each code works once."""
    live = _live_code(phone=phone, now=now)
    if live is None:
        raise Refused(
            "no_code", _("This code has expired or was used up. Please request a new code.")
        )
    if not hmac.compare_digest(live.code_hash, _code_hash(phone, code)):
        # Conditional update: concurrent wrong tries cannot exceed the limit between them.
        SignInCode.objects.filter(pk=live.pk, wrong_tries__lt=SIGN_IN_MAX_WRONG_TRIES).update(
            wrong_tries=F("wrong_tries") + 1
        )
        left = SIGN_IN_MAX_WRONG_TRIES - live.wrong_tries - 1
        if left <= 0:
            raise Refused(
                "code_exhausted",
                _("Too many wrong tries for this code. Please request a new code."),
            )
        raise Refused(
            "wrong_code",
            _("That code is not right. You have %(left)d more tries.") % {"left": left},
        )
    existing = User.objects.filter(phone=phone).first()
    if existing is not None and (existing.is_staff or existing.is_superuser):
        # A code by SMS must never stand in for a staff password and its lockout.
        raise Refused(
            "staff_phone",
            _(
                "This number belongs to a staff account. Staff sign in to the admin with "
                "a password."
            ),
        )
    # Single use even under a race: only one request can turn used_at from NULL.
    claimed = SignInCode.objects.filter(
        pk=live.pk, used_at__isnull=True, wrong_tries__lt=SIGN_IN_MAX_WRONG_TRIES
    ).update(used_at=now)
    if not claimed:
        raise Refused("no_code", _("This code was already used. Please request a new code."))
    user = existing or _resident_user_create(phone=phone)
    Resident.objects.get_or_create(user=user)
    return user


def _resident_user_create(*, phone: str) -> User:
    """The account of a new resident: no password, a username no staff account can hold."""
    try:
        with transaction.atomic():
            return User.objects.create_user(username=f"resident-{phone}", phone=phone)
    except IntegrityError:
        # The same person signing in twice at once: the unique phone let one insert through.
        return User.objects.get(phone=phone)


def resident_of(*, user: User) -> Resident:
    """The signed-in person's resident record, with what the rules read in one query."""
    resident = (
        Resident.objects.select_related("user", "district", "town", "community__town")
        .filter(user=user)
        .first()
    )
    if resident is None:  # made at sign-in; an account from before that gets one now
        resident, _created = Resident.objects.get_or_create(user=user)
    return resident


# --- residents: identity and address --------------------------------------------------------


def document_hash(*, document_type: str, number: str) -> str:
    """Keyed hash of the normalised number alone: the same number entered under another
    document type is the same document, so it cannot open a second account."""
    key = settings.ID_HASH_KEY.encode()
    return hmac.new(key, number.encode(), "sha256").hexdigest()


def resident_verify(
    *,
    resident: Resident,
    name: str,
    document_type: str,
    document_number: str,
    method: str,
    now: datetime.datetime,
) -> Resident:
    """Real-name verification (rule 1) through the identity provider; L2 or better may reserve.

    Raises ValidationError for a malformed document, IdentityUnavailable when the provider
    cannot answer, Refused when it says no or the document belongs to another account.
    """
    number = validate_document(document_type, document_number)
    answer = identity_provider_get().verify(
        name=name, document_type=document_type, document_number=number, method=method
    )
    if not answer.verified:
        raise Refused(
            "not_verified",
            _(
                "The identity provider could not confirm this name and document. "
                "Please check them, or try the other method."
            ),
        )
    new_hash = document_hash(document_type=document_type, number=number)
    if resident.document_hash and resident.document_hash != new_hash:
        # Swapping documents would free the first one for a second account.
        raise Refused(
            "document_change",
            _(
                "This account is already verified with another document. Please call the "
                "hotline if your document has changed."
            ),
        )
    resident.name = name
    resident.document_type = document_type
    resident.document_hash = new_hash
    resident.document_masked = mask_document(number)
    resident.level = answer.level
    resident.method = method
    resident.verified_at = now
    fields = ["name", "document_type", "document_hash", "document_masked", "level", "method"]
    try:
        with transaction.atomic():
            resident.save(update_fields=[*fields, "verified_at"])
    except IntegrityError:
        # The unique hash, not a look-up before saving, keeps one account per document.
        resident.refresh_from_db()
        raise Refused(
            "document_taken",
            _(
                "This document is already registered with another account. Each person may "
                "have one account; call the hotline if this is a mistake."
            ),
        ) from None
    return resident


def resident_set_address(
    *, resident: Resident, community: Community, street_address: str
) -> Resident:
    """The home address, inside the five districts: community implies town and district."""
    town = community.town
    resident.district_id = town.district_id
    resident.town = town
    resident.community = community
    resident.street_address = street_address.strip()
    resident.save(update_fields=["district", "town", "community", "street_address"])
    return resident


# --- reservations -----------------------------------------------------------------------------


def _date_text(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _moment_text(moment: datetime.datetime | None, *, now: datetime.datetime) -> str:
    if moment is None:
        return ""
    local, today = timezone.localtime(moment), timezone.localtime(now).date()
    if local.date() == today:
        return _("today at %(time)s") % {"time": f"{local:%H:%M}"}
    if local.date() == today + datetime.timedelta(days=1):
        return _("tomorrow at %(time)s") % {"time": f"{local:%H:%M}"}
    return f"{_date_text(local.date())} {local:%H:%M}"


def _check_start(*, config: CampaignConfig, now: datetime.datetime) -> None:
    if timezone.localtime(now).date() < config.start_date:
        raise Refused(
            "not_started",
            _("Reservations open on %(date)s.") % {"date": _date_text(config.start_date)},
        )


def _check_no_live_reservation(*, resident: Resident) -> None:
    """A friendly early answer; the partial unique constraint still closes the race."""
    live = live_reservation(resident=resident)
    if live is not None:
        raise Refused(
            "live_reservation",
            _(
                "You already have a reservation (%(number)s); it takes part in every draw "
                "until it wins. There is no need to reserve again."
            )
            % {"number": live.number_display},
        )


def _check_cooldown(*, config: CampaignConfig, resident: Resident, today: datetime.date) -> None:
    ends = cooldown_ends(config=config, resident=resident)
    if ends is not None and today < ends:
        raise Refused(
            "cooldown",
            _("After a win you may reserve again from %(date)s.") % {"date": _date_text(ends)},
        )


def _insert_reservation(
    *,
    resident: Resident,
    phone: str,
    address: str,
    community: Community,
    by_committee: bool,
    now: datetime.datetime,
) -> Reservation:
    """Insert with a fresh random number. The partial unique constraint, not a look-up, keeps
    one live reservation per person; a number already taken is drawn again."""
    for _attempt in range(20):
        number = 10_000_000 + secrets.randbelow(90_000_000)
        try:
            with transaction.atomic():
                reservation = Reservation.objects.create(
                    number=number,
                    resident=resident,
                    phone=phone,
                    district_id=community.town.district_id,
                    town=community.town,
                    community=community,
                    address=address,
                    by_committee=by_committee,
                    language=resident.language,
                    created_at=Greatest(
                        Value(now), Coalesce(RawSQL(LATEST_CUTOFF_SQL, []), Value(now))
                    ),
                )
                reservation.refresh_from_db(fields=["created_at"])
                return reservation
        except IntegrityError as error:
            if "one_live_reservation_per_resident" in str(error):
                live = live_reservation(resident=resident)
                raise Refused(
                    "live_reservation",
                    _(
                        "You already have a reservation (%(number)s); it takes part in every "
                        "draw until it wins. There is no need to reserve again."
                    )
                    % {"number": live.number_display if live else ""},
                ) from None
            if "reservations_reservation_number" not in str(error):
                raise
    raise RuntimeError("no free reservation number after 20 tries")


def _confirmation_enqueue(
    *, reservation_id: int, number: int, recipient: str, language: str
) -> None:
    """The SMS that confirms a new reservation's number, queued in the reservation's own
    transaction: it is sent once the reservation commits, and never for one rolled back; one
    per reservation, whatever calls it twice. It wakes no worker: on the city's busiest
    request a broker publish per reservation would cost more than the reservation, and beat
    (or the next sign-in code's wake) sends it within seconds."""
    message_enqueue(
        wake=False,
        recipient=recipient,
        kind=Kind.RESERVATION_CONFIRMED,
        dedupe_key=f"reservation-confirmed:{reservation_id}",
        context={"number": f"{number:08d}"},
        language=language,
    )


def reservation_create(*, resident: Resident, now: datetime.datetime) -> Reservation:
    """A resident reserves (rules 2-4, 7); each refusal says why and what to do."""
    config = campaign_get()
    if not resident.is_verified:
        raise Refused("not_verified", _("Please complete real-name verification first."))
    if resident.community_id is None or not resident.street_address:
        raise Refused("no_address", _("Please enter your home address first."))
    _check_start(config=config, now=now)
    _check_cooldown(config=config, resident=resident, today=timezone.localtime(now).date())
    _check_no_live_reservation(resident=resident)
    status = window_status(config=config, district=resident.district, now=now)
    if not status.open:
        raise Refused(
            "window_closed",
            _(
                "%(district)s residents may reserve every day at %(windows)s; the next window "
                "opens %(opens)s. Please come back then: reserving early gives no advantage."
            )
            % {
                "district": resident.district.display_name,
                "windows": status.windows_text,
                "opens": _moment_text(status.next_opening, now=now),
            },
        )
    with transaction.atomic():
        reservation = _insert_reservation(
            resident=resident,
            phone=resident.user.phone,
            address=delivery_address(
                district=resident.district,
                town=resident.town,
                street_address=resident.street_address,
            ),
            community=resident.community,
            by_committee=False,
            now=now,
        )
        _confirmation_enqueue(
            reservation_id=reservation.pk,
            number=reservation.number,
            recipient=phone_e164(reservation.phone),
            language=reservation.language,
        )
    return reservation


# A reservation is never stamped before the cut-off of a pool already frozen: one that raced
# the freezing (its clock read before, its insert after) joins the next pool instead of being
# lost between the two (LATEST_CUTOFF_SQL; see `pool_freeze`).


# Every rule of `reservation_create` in one statement, for the city's peak: verified, with an
# address, campaign started, window open, cooldown over; the partial unique constraint (ON
# CONFLICT) keeps one live reservation per person. The number is the first of a few random
# candidates that no reservation holds: with 3,000,000 numbers of 90,000,000 taken, one random
# number collided on one request in 30, and each collision ran the whole step-by-step path
# (ten queries) to draw again; three candidates all collide once in 30,000 requests. When it
# inserts nothing (a rule refuses, all candidates are taken, or a concurrent reservation took
# the number first), the step-by-step path runs to say why or to draw another number. It is
# prepared once per database connection: planning it cost more than running it.
# Parameters: $1 user id, $2 the candidate numbers, $3 now, $4 today and $5 the time of day in
# the city, $6 the city's time zone.
_RESERVE_IN_ONE_STATEMENT = f"""
    INSERT INTO {Reservation._meta.db_table}
        (number, resident_id, state, phone, district_id, town_id, community_id, address,
         by_committee, language, created_at)
    SELECT n.number, r.id, '{ReservationState.WAITING.value}', u.phone, r.district_id, r.town_id,
           r.community_id, '福州市' || d.name || t.name || r.street_address, false, r.language,
           GREATEST($3, ({LATEST_CUTOFF_SQL}))
    FROM {Resident._meta.db_table} r
    JOIN {User._meta.db_table} u ON u.id = r.user_id
    JOIN {District._meta.db_table} d ON d.id = r.district_id
    JOIN {Town._meta.db_table} t ON t.id = r.town_id
    JOIN {CampaignConfig._meta.db_table} c ON c.id = {CampaignConfig.SINGLETON_ID}
    CROSS JOIN LATERAL (
        SELECT k.number FROM unnest($2::integer[]) WITH ORDINALITY AS k(number, position)
        WHERE NOT EXISTS (
            SELECT 1 FROM {Reservation._meta.db_table} x WHERE x.number = k.number)
        ORDER BY k.position LIMIT 1) n
    WHERE r.user_id = $1
      AND r.level IN ('{Level.L2.value}', '{Level.L3.value}')
      AND r.community_id IS NOT NULL AND r.street_address <> '' AND u.phone IS NOT NULL
      AND c.start_date <= $4
      AND EXISTS (
          SELECT 1 FROM {ReservationWindow._meta.db_table} w
          WHERE (w.district_id = r.district_id OR w.district_id IS NULL)
            AND w.opens_at <= $5 AND w.closes_at > $5)
      AND NOT EXISTS (
          SELECT 1 FROM {Reservation._meta.db_table} p
          WHERE p.resident_id = r.id AND p.won_at IS NOT NULL
            AND (p.won_at AT TIME ZONE $6)::date + c.cooldown_days > $4)
    ON CONFLICT DO NOTHING
    RETURNING id, number, phone, language
"""
_prepared_on: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_CANDIDATES = 3


def reservation_create_for_user(*, user: User, now: datetime.datetime) -> int:
    """A signed-in resident reserves; returns the new number. Same rules and refusals as
    `reservation_create`, in one statement when nothing stands in the way."""
    local = timezone.localtime(now)
    candidates = [10_000_000 + secrets.randbelow(90_000_000) for _ in range(_CANDIDATES)]
    # The reservation and its confirming SMS commit together.
    with transaction.atomic(), connection.cursor() as cursor:
        raw = connection.connection
        if raw not in _prepared_on:
            cursor.execute(
                "PREPARE puhui_reserve (bigint, integer[], timestamptz, date, time, text) AS "
                + _RESERVE_IN_ONE_STATEMENT
            )
            _prepared_on[raw] = True
        # In the same round trip, the prepared plan is made to be reused: left to choose
        # (plan_cache_mode auto), PostgreSQL planned this statement afresh on every execution,
        # 2-3 ms of its CPU against 0.4 ms to run it, as the generic plan's estimate looked
        # worse than the custom plans' (it is the same plan). SET LOCAL ends with this
        # transaction; only server-side prepared statements and PL/pgSQL read it.
        cursor.execute(
            "SET LOCAL plan_cache_mode = force_generic_plan; "
            "EXECUTE puhui_reserve (%s, %s, %s, %s, %s, %s)",
            [user.pk, candidates, now, local.date(), local.time(), settings.TIME_ZONE],
        )
        row = cursor.fetchone()
        if row is not None:
            reservation_id, number, phone, language = row
            _confirmation_enqueue(
                reservation_id=reservation_id,
                number=number,
                recipient=phone_e164(phone),
                language=language,
            )
            return number
    resident = Resident.objects.select_related("user", "district", "town", "community__town").get(
        user=user
    )
    return reservation_create(resident=resident, now=now).number


def reservation_cancel(*, resident: Resident, now: datetime.datetime) -> Reservation:
    """Cancel the resident's waiting reservation (rule 4); a win cannot be cancelled, nor a
    reservation in a frozen pool (the draw must find every number of its pool waiting)."""
    move = transition(Transition.CANCEL)
    # A pending win (recorded by a draw, not yet settled) is a win all the same. NOT EXISTS
    # rather than a join: a join would make Django's UPDATE a subquery in which the frozen-pool
    # test below refers to the outer row, a scan of the whole table per cancel.
    waiting = Reservation.objects.filter(state=move.source).filter(
        ~Exists(Win.objects.filter(reservation_id=OuterRef("pk")))
    )
    reservation = waiting.filter(resident=resident).first()
    if reservation is None:
        raise Refused("nothing_to_cancel", _("You have no waiting reservation to cancel."))
    in_frozen_pool = PoolSnapshot.objects.filter(
        state=PoolState.FROZEN, cutoff__gt=OuterRef("created_at")
    )
    changed = (
        waiting.filter(pk=reservation.pk)
        .filter(~Exists(in_frozen_pool))
        .update(state=move.target, cancelled_at=now, closed_at=now)
    )
    if not changed:
        raise Refused(
            "cannot_cancel_now",
            _(
                "This reservation is in a draw whose pool has closed; it can be cancelled "
                "after that draw."
            ),
        )
    reservation.refresh_from_db()
    return reservation


# --- staff accounts ---------------------------------------------------------------------------


def staff_account_set(
    *, username: str, password: str, group: str | None, community: Community | None = None
) -> User:
    """A staff account with this password, made if missing: a member of `group` alone, or a
    superuser without one; `community` scopes committee staff. For demo set-up."""
    with transaction.atomic():
        user, _created = User.objects.get_or_create(username=username)
        user.is_staff = True
        user.is_superuser = group is None
        user.community = community
        user.set_password(password)
        user.save()
        if group:
            user.groups.set([Group.objects.get(name=group)])
        audit_record(
            actor=None,
            action=AuditAction.STAFF_ACCOUNT_SET,
            target=user,
            summary={"group": group or "superuser", "community": community and community.name},
        )
    return user


def staff_account_deactivate(*, actor: User, user: User) -> bool:
    """Staff accounts are deactivated, never deleted (their names stay on the admin's log, the
    audit trail and the draw logs): the account can no longer sign in. False when it was
    inactive already; an account cannot deactivate itself (nobody would be left to undo it)."""
    if user.pk == actor.pk:
        raise Refused("own_account", _("You cannot deactivate your own account."))
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
        if changed:
            audit_record(actor=actor, action=AuditAction.STAFF_ACCOUNT_DEACTIVATED, target=user)
    return bool(changed)


# --- committee registration (rule 10) -------------------------------------------------------


def _check_committee_deadline(*, config: CampaignConfig, today: datetime.date) -> None:
    if today > config.committee_registration_deadline:
        raise Refused(
            "deadline_passed",
            _("Committee registration closed on %(date)s.")
            % {"date": _date_text(config.committee_registration_deadline)},
        )


def committee_resident_register(
    *,
    staff: User,
    name: str,
    document_type: str,
    document_number: str,
    category: str,
    now: datetime.datetime,
) -> Resident:
    """A committee registers a special-group resident who may have no phone; the committee's
    phone and address stand in for theirs. The committee checked the document in person."""
    if staff.community_id is None:
        raise Refused("no_community", _("Your account does not belong to a community."))
    _check_committee_deadline(config=campaign_get(), today=timezone.localtime(now).date())
    number = validate_document(document_type, document_number)
    community = staff.community
    resident = Resident(
        name=name.strip(),
        document_type=document_type,
        document_hash=document_hash(document_type=document_type, number=number),
        document_masked=mask_document(number),
        level=Level.L2,
        method=Method.COMMITTEE,
        verified_at=now,
        district_id=community.town.district_id,
        town=community.town,
        community=community,
        street_address=community.address,
        category=category,
        registered_by=staff,
        created_at=now,
    )
    try:
        with transaction.atomic():
            resident.save()
            audit_record(
                actor=staff,
                action=AuditAction.RESIDENT_REGISTERED,
                target=resident,
                summary={"category": category, "community": community.name},
                at=now,
            )
    except IntegrityError:
        raise Refused(
            "document_taken", _("A resident with this document is already registered.")
        ) from None
    return resident


def committee_reservation_create(
    *, staff: User, resident: Resident, now: datetime.datetime
) -> Reservation:
    """Reserve for a committee-registered resident: windows do not apply, the deadline does."""
    if resident.community_id != staff.community_id or not resident.committee_registered:
        raise Refused("not_yours", _("This resident is not registered by your committee."))
    config = campaign_get()
    _check_start(config=config, now=now)
    _check_committee_deadline(config=config, today=timezone.localtime(now).date())
    _check_cooldown(config=config, resident=resident, today=timezone.localtime(now).date())
    _check_no_live_reservation(resident=resident)
    community = resident.community
    with transaction.atomic():
        reservation = _insert_reservation(
            resident=resident,
            phone=community.phone,
            address=community.address,
            community=community,
            by_committee=True,
            now=now,
        )
        # To the committee, whose phone stands for the resident's (rule 10): its mobile for
        # messages, else its fixed line, which the outbox keeps as refused.
        _confirmation_enqueue(
            reservation_id=reservation.pk,
            number=reservation.number,
            recipient=committee_recipient(sms_phone=community.sms_phone, phone=community.phone),
            language=reservation.language,
        )
        audit_record(
            actor=staff,
            action=AuditAction.RESERVED_ON_BEHALF,
            target=reservation,
            summary={"resident": resident.masked_repr(), "community": community.name},
            at=now,
        )
    return reservation


def committee_reservation_cancel(
    *, staff: User, resident: Resident, now: datetime.datetime
) -> Reservation:
    """Rule 4: a committee cancels a waiting reservation of a resident it registered."""
    if (
        staff.community_id is None
        or resident.community_id != staff.community_id
        or not resident.committee_registered
    ):
        raise Refused("not_yours", _("This resident is not registered by your committee."))
    with transaction.atomic():
        reservation = reservation_cancel(resident=resident, now=now)
        audit_record(
            actor=staff,
            action=AuditAction.CANCELLED_ON_BEHALF,
            target=reservation,
            summary={"resident": resident.masked_repr(), "community": resident.community.name},
            at=now,
        )
    return reservation


# --- the draw's moves: pools frozen, wins recorded and settled (called by the lottery) ----------


def _int_array(numbers: list[int]) -> str:
    """An integer array parameter as one literal: PostgreSQL reads `{1,2,…}` far faster than the
    `ARRAY[1, 2, …]` expression psycopg2 makes of a list of 100,000."""
    return "{" + ",".join(map(str, numbers)) + "}"


def pool_freeze(*, draw_id: int, cutoff: datetime.datetime, now: datetime.datetime) -> None:
    """The pool of draw `draw_id` freezes at `cutoff`: called inside the transaction that reads
    the pool. The reservations table is locked in SHARE mode until that transaction ends, so
    reservations and cancellations in flight finish first and later ones wait; a reservation
    made after that is stamped at or after the cut-off (LATEST_CUTOFF_SQL) and joins the next
    pool. Another pool still frozen makes the constraint `one_frozen_pool` refuse it
    (IntegrityError)."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Reservation._meta.db_table} IN SHARE MODE")
    PoolSnapshot.objects.create(draw_id=draw_id, cutoff=cutoff, frozen_at=now)


def pool_void(*, draw_id: int) -> bool:
    """A frozen pool whose draw was cancelled: its reservations may be cancelled again, and its
    cut-off no longer holds later reservations back."""
    return bool(
        PoolSnapshot.objects.filter(draw_id=draw_id, state=PoolState.FROZEN).update(
            state=PoolState.VOIDED
        )
    )


@dataclass(frozen=True)
class RecordedWin:
    """What the draw's messages need of a win it recorded."""

    id: int
    number: int
    phone: str
    by_committee: bool
    community_id: int
    committee_name: str
    committee_phone: str
    language: str
    committee_sms_phone: str  # the committee's mobile number for messages, or ""


def wins_record(
    *, draw_id: int, numbers: list[int], drawn_at: datetime.datetime
) -> list[RecordedWin]:
    """The draw's wins (`waiting → won`, recorded): one Win per waiting reservation of these
    numbers, in one statement, and the pool marked drawn; called inside the draw's transaction.
    Returns what the win messages need, by number. The reservations are settled afterwards
    (`wins_settle`); until then the pending-win rule makes them read as won."""
    waiting = transition(Transition.WIN).source
    with connection.cursor() as cursor:
        # 100,000 index lookups, not a scan of millions: the planner is told that the pages are
        # in memory (the pool was just read), which they are.
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute(
            f"""
            WITH chosen AS (
                SELECT r.id, r.number, r.phone, r.by_committee, r.community_id, r.language
                FROM unnest(%s::integer[]) AS w(number)
                JOIN {Reservation._meta.db_table} AS r ON r.number = w.number
                WHERE r.state = %s
            ), won AS (
                INSERT INTO {Win._meta.db_table} (reservation_id, draw_id)
                SELECT id, %s FROM chosen
            )
            SELECT chosen.id, chosen.number, chosen.phone, chosen.by_committee,
                   chosen.community_id, c.name, c.phone, chosen.language, c.sms_phone
            FROM chosen
            JOIN {Community._meta.db_table} AS c ON c.id = chosen.community_id
            """,
            [_int_array(numbers), waiting, draw_id],
        )
        rows = cursor.fetchall()
    changed = PoolSnapshot.objects.filter(draw_id=draw_id, state=PoolState.FROZEN).update(
        state=PoolState.DRAWN, drawn_at=drawn_at
    )
    if not changed:
        raise RuntimeError(f"draw {draw_id}: its pool is not frozen")
    return sorted((RecordedWin(*row) for row in rows), key=lambda win: win.number)


# Wins settled per transaction: each holds its reservations' row locks (and the pool's) for
# about a second, not the 10 s a draw's 100,000 would take at once; an order for one of them
# waits for its batch, not for the whole draw.
SETTLE_BATCH = 10_000


def wins_settle(*, draw_id: int, batch: int = SETTLE_BATCH) -> tuple[int, bool]:
    """Settle a drawn pool's wins onto their reservations (`waiting → won`: state, `won_at` the
    time of the draw, `won_draw_id`), in batches, then mark the pool settled. Any number of
    runs, at once or again, settle each win once. Returns (reservations settled by this run,
    whether the pool is settled now)."""
    move = transition(Transition.WIN)
    settled, after = 0, 0
    while True:
        with transaction.atomic():
            # The pool's row lock makes settlers take turns, batch by batch.
            pool = PoolSnapshot.objects.select_for_update().filter(draw_id=draw_id).first()
            if pool is None or pool.state != PoolState.DRAWN:
                return settled, pool is not None and pool.state == PoolState.SETTLED
            ids = list(
                Win.objects.filter(draw_id=draw_id, reservation_id__gt=after)
                .order_by("reservation_id")
                .values_list("reservation_id", flat=True)[:batch]
            )
            if not ids:
                PoolSnapshot.objects.filter(pk=pool.pk).update(state=PoolState.SETTLED)
                return settled, True
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    UPDATE {Reservation._meta.db_table}
                    SET state = %s, won_at = %s, won_draw_id = %s
                    WHERE id = ANY(%s::bigint[]) AND state = %s
                    """,
                    [move.target, pool.drawn_at, draw_id, _int_array(ids), move.source],
                )
                settled += cursor.rowcount
            after = ids[-1]


def win_settle(*, reservation_id: int) -> bool:
    """Settle one reservation's pending win now, if it has one: for a path about to move a won
    reservation on (an order), which must find it `won`."""
    move = transition(Transition.WIN)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Reservation._meta.db_table} AS r
            SET state = %s, won_at = p.drawn_at, won_draw_id = w.draw_id
            FROM {Win._meta.db_table} AS w
            JOIN {PoolSnapshot._meta.db_table} AS p ON p.draw_id = w.draw_id
            WHERE w.reservation_id = %s AND r.id = w.reservation_id AND r.state = %s
              AND p.drawn_at IS NOT NULL
            """,
            [move.target, reservation_id, move.source],
        )
        return cursor.rowcount > 0


def wins_lapse(*, draw_id: int) -> int:
    """Rule 6: the draw's wins not ordered when its purchase window closed lapse (`won →
    lapsed`); `won_at` stays, so the cooldown runs from the draw. Returns how many."""
    move = transition(Transition.WIN_LAPSED)
    return Reservation.objects.filter(won_draw_id=draw_id, state=move.source).update(
        state=move.target, closed_at=timezone.now()
    )


# --- a win's order (called by orders, inside its transaction) -----------------------------------


def reservation_lock(*, reservation_id: int) -> Reservation:
    """The reservation, its row locked until the caller's transaction ends: every move of a
    win's order takes this lock first, so they take turns."""
    return (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("resident", "community", "town")
        .get(pk=reservation_id)
    )


def reservations_lock(*, reservation_ids: list[int]) -> None:
    """Lock these reservations' rows, in id order, until the caller's transaction ends: pickup
    takes them before its parcels when a step ends in `collected`, in the order an order's
    moves take them (the reservation, then what hangs from it)."""
    list(
        Reservation.objects.select_for_update(of=("self",))
        .filter(pk__in=reservation_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _step(name: Transition, reservation_id: int) -> bool:
    move = transition(name)
    closed = {"closed_at": timezone.now()} if move.target in CLOSED_STATES else {}
    return bool(
        Reservation.objects.filter(pk=reservation_id, state=move.source).update(
            state=move.target, **closed
        )
    )


def reservation_order(*, reservation_id: int) -> bool:
    """`won → ordered`: the partner recorded the win's order."""
    return _step(Transition.ORDER, reservation_id)


def reservation_order_cancelled(*, reservation_id: int) -> bool:
    """`ordered → won`: the order was cancelled inside the purchase window; the resident may
    order again."""
    return _step(Transition.ORDER_CANCELLED, reservation_id)


def reservation_order_lapsed(*, reservation_id: int) -> bool:
    """`ordered → lapsed`: the order was cancelled after the purchase window closed."""
    return _step(Transition.ORDER_LAPSED, reservation_id)


def reservation_collected(*, reservation_id: int) -> bool:
    """`ordered → collected`: the resident collected the pack through the pickup chain."""
    return _step(Transition.COLLECTED, reservation_id)


def reservation_delivered(*, reservation_id: int) -> bool:
    """`ordered → delivered`: the partner delivered the pack home (rule 4)."""
    return _step(Transition.DELIVERED, reservation_id)


# --- retention (portal's `purge_personal_data`) -------------------------------------------------


@dataclass(frozen=True)
class Erased:
    reservations: int  # phone and address erased
    residents: int  # name, document and address erased; verification to be done again


def personal_data_erase(
    *, cutoff: datetime.datetime, now: datetime.datetime, dry_run: bool = False
) -> Erased:
    """Erase the personal data of reservations closed before `cutoff`: their phone and address,
    and, for a resident whose every reservation is such, the name, the document's hash and
    masked form, the street address and the verification (they verify again if they come
    back: without the hash, one person per document could not be held). Numbers, states,
    districts, towns, communities and times stay, so published draws and open data read the
    same. Erased values are empty: no constraint is on them. Already erased rows are not
    counted again, so a second run erases nothing. `dry_run` counts without writing."""
    closed = reservations_closed_before(cutoff=cutoff)
    reservations = Reservation.objects.filter(pk__in=closed.values("pk"), erased_at__isnull=True)
    kept = Reservation.objects.filter(resident=OuterRef("pk")).exclude(pk__in=closed.values("pk"))
    residents = (
        Resident.objects.filter(Exists(Reservation.objects.filter(resident=OuterRef("pk"))))
        .exclude(Exists(kept))
        .exclude(
            name="",
            document_masked="",
            document_hash__isnull=True,
            street_address="",
            level="",
        )
    )
    if dry_run:
        return Erased(reservations=reservations.count(), residents=residents.count())
    with transaction.atomic():
        # The resident's own sign-in account holds their phone (in its username too): it goes
        # with them. Staff accounts stay whole: their audit entries name them.
        # Locked first: a run waiting here re-reads each row after the other run committed,
        # finds it erased and leaves it (each row erased once).
        resident_ids = list(residents.select_for_update(of=("self",)).values_list("pk", flat=True))
        User.objects.filter(
            resident__pk__in=resident_ids, is_staff=False, is_superuser=False
        ).update(
            username=Concat(Value("erased-"), Cast("pk", CharField())),
            phone=None,
            first_name="",
            last_name="",
            email="",
            is_active=False,
        )
        residents = Resident.objects.filter(pk__in=resident_ids)
        erased_residents = residents.update(
            name="",
            document_type="",
            document_hash=None,
            document_masked="",
            street_address="",
            level="",
            method="",
            verified_at=None,
        )
        erased_reservations = reservations.update(phone="", address="", erased_at=now)
    return Erased(reservations=erased_reservations, residents=erased_residents)


def sign_in_codes_erase(*, cutoff: datetime.datetime, dry_run: bool = False) -> int:
    """Delete the sign-in codes made before `cutoff` (each names a phone; long expired, used or
    not, they serve nothing). Returns how many; `dry_run` counts without deleting."""
    codes = SignInCode.objects.filter(created_at__lt=cutoff)
    if dry_run:
        return codes.count()
    deleted, _per_model = codes.delete()
    return deleted
