-- The people of a Maths Hub who lead schools: Mastery Specialists (on the
-- secondary route, Secondary Mastery Specialists) and Mastery Readiness Leads
-- (seeds 000-003), and which schools each leads in which programme year. The
-- school's own record of its leader is LEADER_ALLOCATED in the event log; the
-- allocations here hold the count, under a lock on the person's row, so that
-- two operators allocating at once cannot take a leader past the programme's
-- load (two departments per Secondary Mastery Specialist, eight schools per
-- Readiness Lead: the catalogue's leaderLoad, checked by the machine).

CREATE TABLE hub_people (
  id         text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
  hub        text        NOT NULL CHECK (hub ~ '^[a-z0-9-]+$'),       -- the hub's id
  name       text        NOT NULL CHECK (name <> ''),
  email      text        NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
  role       text        NOT NULL CHECK (role IN ('specialist', 'readinessLead')),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text        NOT NULL CHECK (created_by <> '')
);

CREATE INDEX hub_people_hub_idx ON hub_people (hub, role, id);

CREATE TABLE leader_allocations (
  person_id     text        NOT NULL REFERENCES hub_people (id),
  urn           text        NOT NULL CHECK (urn <> ''),
  programme_id  text        NOT NULL CHECK (programme_id <> ''),
  academic_year text        NOT NULL CHECK (academic_year ~ '^\d{4}/\d{2}$'),
  allocated_at  timestamptz NOT NULL,            -- school time: the event's `at`
  allocated_by  text        NOT NULL CHECK (allocated_by <> ''),
  -- A school has one leader per programme year (a new allocation replaces it).
  PRIMARY KEY (programme_id, urn)
);

CREATE INDEX leader_allocations_person_idx ON leader_allocations (person_id, programme_id);
