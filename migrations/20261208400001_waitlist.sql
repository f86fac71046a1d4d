-- The waitlist (#25): applicants waiting for a seat in a city on a day (optionally one
-- slot), and the offers of freed seats made to them in order.
--
-- A seat held by an open offer stays counted in `slots.booked`, so the wizard never sees
-- it and it is never offered twice: `booked` = live applications + open offers. The
-- seat is given to the first in line by a trigger on `slots`, in the transaction that
-- frees it, whatever freed it (an annulment, a cancel, a withdrawal, a capacity raised,
-- a slot added, or staff's plain SQL).

CREATE TYPE waitlist_status AS ENUM (
    'waiting',   -- in line
    'offered',   -- a seat is offered to him now
    'booked',    -- he accepted an offer
    'left',      -- he left the line, or booked a seat by himself
    'passed'     -- he declined an offer or let it expire
);

CREATE TABLE waitlist_entries (
    id              BIGSERIAL PRIMARY KEY,
    applicant_id    BIGINT NOT NULL REFERENCES applicants (id),
    campaign_id     BIGINT NOT NULL REFERENCES campaigns (id),
    -- What the application will be for, chosen in the wizard before the city.
    category_id     SMALLINT NOT NULL REFERENCES categories (id),
    test_language   TEXT NOT NULL REFERENCES test_languages (code),
    combination_id  SMALLINT NOT NULL REFERENCES subject_combinations (id),
    city_id         INT NOT NULL REFERENCES cities (id),
    -- The local test day, and its bounds in UTC (the time zone is the application's
    -- setting, so the database matches slots by instants, not by dates).
    test_date       DATE NOT NULL,
    day_from        TIMESTAMPTZ NOT NULL,
    day_to          TIMESTAMPTZ NOT NULL,
    -- One time and venue, or any of the day.
    slot_id         BIGINT REFERENCES slots (id),
    status          waitlist_status NOT NULL DEFAULT 'waiting',
    created_at      TIMESTAMPTZ NOT NULL,
    closed_at       TIMESTAMPTZ,
    CHECK (day_to > day_from),
    CHECK ((status IN ('waiting', 'offered')) = (closed_at IS NULL))
);
-- One place in line per applicant and campaign.
CREATE UNIQUE INDEX waitlist_one_per_campaign ON waitlist_entries (applicant_id, campaign_id)
    WHERE status IN ('waiting', 'offered');
-- The line of a city's day, in order of joining.
CREATE INDEX waitlist_line ON waitlist_entries (campaign_id, city_id, day_from, id) WHERE status = 'waiting';
CREATE INDEX waitlist_line_slot ON waitlist_entries (slot_id, id) WHERE status = 'waiting' AND slot_id IS NOT NULL;

CREATE TYPE waitlist_offer_status AS ENUM ('open', 'accepted', 'declined', 'expired', 'withdrawn', 'void');

CREATE TABLE waitlist_offers (
    id              BIGSERIAL PRIMARY KEY,
    entry_id        BIGINT NOT NULL REFERENCES waitlist_entries (id),
    slot_id         BIGINT NOT NULL REFERENCES slots (id),
    status          waitlist_offer_status NOT NULL DEFAULT 'open',
    -- Wall-clock time the seat was freed (measures the offer's latency).
    freed_at        TIMESTAMPTZ NOT NULL,
    -- Set when the offer is sent: it is valid WAITLIST_OFFER_MINUTES from then.
    sent_at         TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    application_id  BIGINT REFERENCES applications (id),
    CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE UNIQUE INDEX waitlist_offers_one_open ON waitlist_offers (entry_id) WHERE status = 'open';
CREATE INDEX waitlist_offers_open_slot ON waitlist_offers (slot_id) WHERE status = 'open';
CREATE INDEX waitlist_offers_entry ON waitlist_offers (entry_id);

-- Gives the free seats of a slot to the first in its lines: for each, an open offer that
-- keeps the seat booked, a job that sends it, and an audit row. Entries another
-- transaction holds are skipped rather than waited for (that one is offering them a seat
-- or taking them out of line); a seat left free that way is picked up when the next seat
-- of the day frees, or by `waitlist_fill` run from the housekeeping pass. Setting
-- `ent.waitlist_fill` to 'off' for a transaction releases seats without refilling them
-- (an offer voided because its slot can no longer be booked).
CREATE FUNCTION waitlist_fill(p_slot BIGINT) RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
    s RECORD;
    entry BIGINT;
    offer BIGINT;
    n INT := 0;
BEGIN
    SELECT sl.id, sl.campaign_id, sl.starts_at, sl.capacity, sl.booked, v.city_id INTO s
    FROM slots sl JOIN venues v ON v.id = sl.venue_id
    WHERE sl.id = p_slot
    FOR NO KEY UPDATE OF sl;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    WHILE s.booked + n < s.capacity LOOP
        SELECT w.id INTO entry FROM waitlist_entries w
        WHERE w.status = 'waiting' AND w.campaign_id = s.campaign_id
          AND (w.slot_id = s.id
               OR (w.slot_id IS NULL AND w.city_id = s.city_id
                   AND w.day_from > s.starts_at - interval '2 days' AND w.day_from <= s.starts_at
                   AND s.starts_at < w.day_to))
        ORDER BY w.id
        LIMIT 1
        FOR NO KEY UPDATE SKIP LOCKED;
        EXIT WHEN NOT FOUND;
        UPDATE waitlist_entries SET status = 'offered' WHERE id = entry;
        INSERT INTO waitlist_offers (entry_id, slot_id, freed_at)
        VALUES (entry, s.id, clock_timestamp())
        RETURNING id INTO offer;
        INSERT INTO scheduled_jobs (kind, due_at, payload)
        VALUES ('waitlist_offer', now(), jsonb_build_object('offer_id', offer));
        INSERT INTO audit_log (actor_id, action, target, details)
        VALUES (0, 'waitlist_offer', 'offer:' || offer,
                jsonb_build_object('entry_id', entry, 'slot_id', s.id));
        n := n + 1;
    END LOOP;
    IF n > 0 THEN
        UPDATE slots SET booked = booked + n WHERE id = s.id;
    END IF;
    RETURN n;
END $$;

CREATE FUNCTION waitlist_seat_freed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('ent.waitlist_fill', true) IS DISTINCT FROM 'off' THEN
        PERFORM waitlist_fill(NEW.id);
    END IF;
    RETURN NULL;
END $$;

-- Raising `booked` (a booking, or the fill itself) never frees a seat, so it does not fire.
CREATE TRIGGER slots_waitlist_freed AFTER UPDATE OF booked, capacity, starts_at, venue_id ON slots
    FOR EACH ROW
    WHEN (NEW.booked < NEW.capacity AND (NEW.booked < OLD.booked OR NEW.capacity > OLD.capacity
          OR NEW.starts_at IS DISTINCT FROM OLD.starts_at OR NEW.venue_id IS DISTINCT FROM OLD.venue_id))
    EXECUTE FUNCTION waitlist_seat_freed();

CREATE TRIGGER slots_waitlist_added AFTER INSERT ON slots
    FOR EACH ROW WHEN (NEW.booked < NEW.capacity)
    EXECUTE FUNCTION waitlist_seat_freed();

-- A live application (booked in the wizard, or a retest) ends its applicant's place in the
-- campaign's line; a seat offered to him meanwhile goes to the next (the release fires
-- the fill). Accepting an offer closes the offer and the entry before the application is
-- written, so this finds nothing then.
CREATE FUNCTION waitlist_applied() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o RECORD;
BEGIN
    FOR o IN
        UPDATE waitlist_offers f SET status = 'withdrawn', closed_at = now()
        FROM waitlist_entries w
        WHERE w.id = f.entry_id AND w.applicant_id = NEW.applicant_id
          AND w.campaign_id = NEW.campaign_id AND f.status = 'open'
        RETURNING f.id, f.slot_id
    LOOP
        UPDATE slots SET booked = booked - 1 WHERE id = o.slot_id;
    END LOOP;
    UPDATE waitlist_entries SET status = 'left', closed_at = now()
    WHERE applicant_id = NEW.applicant_id AND campaign_id = NEW.campaign_id
      AND status IN ('waiting', 'offered');
    RETURN NULL;
END $$;

CREATE TRIGGER applications_waitlist AFTER INSERT ON applications
    FOR EACH ROW WHEN (NEW.status IN ('awaiting_payment', 'paid'))
    EXECUTE FUNCTION waitlist_applied();
