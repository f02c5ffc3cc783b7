-- Work groups: a programme's group of schools in a hub, led by a specialist,
-- and the sessions scheduled for it. The schools' own pathway state stays in
-- the event log; `work_group_places` only reserves places so that two
-- operators adding schools at once cannot overfill a group.

CREATE TABLE work_groups (
  id            text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
  name          text        NOT NULL CHECK (name <> ''),
  hub           text        NOT NULL CHECK (hub <> ''),        -- the hub's id, e.g. "cambridge"
  programme_id  text        NOT NULL CHECK (programme_id <> ''),
  route         text        NOT NULL CHECK (route IN ('primary', 'secondary')),
  phase         text        NOT NULL,
  academic_year text        NOT NULL CHECK (academic_year ~ '^\d{4}/\d{2}$'),
  max_schools   integer     CHECK (max_schools IS NULL OR max_schools > 0),
  lead_name     text        NOT NULL CHECK (lead_name <> ''),
  lead_email    text        NOT NULL CHECK (lead_email <> ''),
  version       integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text        NOT NULL CHECK (created_by <> '')
);

CREATE INDEX work_groups_hub_idx ON work_groups (hub, academic_year, id);
CREATE INDEX work_groups_programme_idx ON work_groups (programme_id, id);

CREATE TABLE work_group_places (
  group_id     text        NOT NULL REFERENCES work_groups (id),
  urn          text        NOT NULL CHECK (urn <> ''),
  programme_id text        NOT NULL,
  added_at     timestamptz NOT NULL DEFAULT now(),
  added_by     text        NOT NULL,
  PRIMARY KEY (group_id, urn),
  -- A school has one place per programme year.
  CONSTRAINT work_group_places_once_per_programme UNIQUE (programme_id, urn)
);

CREATE TABLE group_sessions (
  group_id      text        NOT NULL REFERENCES work_groups (id),
  session_id    text        NOT NULL CHECK (session_id ~ '^[A-Za-z0-9._-]+$'),
  academic_year text        NOT NULL,
  programme_id  text        NOT NULL,
  kind          text        NOT NULL CHECK (kind IN ('meeting', 'workshop', 'visit', 'inSchoolDay')),
  starts_at     timestamptz NOT NULL,
  place         text        NOT NULL,
  status        text        NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
  note          text,
  PRIMARY KEY (group_id, session_id)
);

CREATE INDEX group_sessions_time_idx ON group_sessions (group_id, starts_at);
