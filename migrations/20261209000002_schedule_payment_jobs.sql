-- The payment jobs of an application that awaits payment: a reminder `m` minutes before
-- the deadline for each `m` still ahead of `now`, and the expiry at the deadline. Booking
-- and accepting a waitlist offer both call it in the statement that creates the
-- application, so the schedule is written once. Returns how many jobs it added.
-- PL/pgSQL, not SQL: its statement's plan is kept for the connection, where a SQL
-- function's would be planned again on every booking.
CREATE FUNCTION schedule_payment_jobs(application bigint, deadline timestamptz, now timestamptz,
                                      reminders int[])
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    added bigint;
BEGIN
    INSERT INTO scheduled_jobs (kind, application_id, due_at, payload)
    SELECT 'payment_reminder', application, deadline - make_interval(mins => m),
           jsonb_build_object('minutes_left', m)
    FROM unnest(reminders) AS m
    WHERE deadline - make_interval(mins => m) > now
    UNION ALL
    SELECT 'payment_expiry', application, deadline, '{}'::jsonb;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END
$$;
