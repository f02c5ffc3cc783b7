-- The current state of each school's stream: the latest snapshot, and summary
-- columns that listings filter on. A projection of events, rewritten in the
-- same transaction that appends.

CREATE TABLE streams (
  urn           text        PRIMARY KEY,
  version       integer     NOT NULL CHECK (version >= 1),
  snapshot      jsonb       NOT NULL,
  summary       jsonb       NOT NULL DEFAULT '{}',  -- the whole summary record as given
  route         text,
  hub           text,
  phase         text,
  status        text,
  programme_id  text,
  academic_year text,
  group_id      text,
  overdue       boolean     NOT NULL DEFAULT false,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX streams_hub_idx ON streams (hub, urn);
CREATE INDEX streams_phase_idx ON streams (phase, urn);
CREATE INDEX streams_status_idx ON streams (status, urn);
CREATE INDEX streams_programme_year_idx ON streams (programme_id, academic_year, urn);
CREATE INDEX streams_year_idx ON streams (academic_year, urn);
CREATE INDEX streams_group_idx ON streams (group_id, urn) WHERE group_id IS NOT NULL;
CREATE INDEX streams_overdue_idx ON streams (urn) WHERE overdue;
