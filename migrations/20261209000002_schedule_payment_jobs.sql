-- The payment jobs of an application that awaits payment: a reminder `m` minutes before
-- the deadline for each `m` still ahead of `now`, and the expiry at the deadline. Booking
-- and accepting a waitlist offer both call it in the statement that creates the
-- application, so the schedule is written once. Returns how many jobs it added.
CREATE FUNCTION schedule_payment_jobs(application bigint, deadline timestamptz, now timestamptz,
                                      reminders int[])
RETURNS bigint LANGUAGE sql VOLATILE AS $$
    WITH added AS (
        INSERT INTO scheduled_jobs (kind, application_id, due_at, payload)
        SELECT 'payment_reminder', application, deadline - make_interval(mins => m),
               jsonb_build_object('minutes_left', m)
        FROM unnest(reminders) AS m
        WHERE deadline - make_interval(mins => m) > now
        UNION ALL
        SELECT 'payment_expiry', application, deadline, '{}'::jsonb
        RETURNING 1
    )
    SELECT count(*) FROM added
$$;
