-- Written by `seed demo` and the sandbox: the database holds demo data only. The sandbox
-- refuses a non-empty database without it, so it never runs on real applicants' data.
CREATE TABLE sandbox_marker (
    only_row    BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
