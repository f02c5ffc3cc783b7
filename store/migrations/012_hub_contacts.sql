-- Who leads each Maths Hub's work (the address for escalations and the weekly
-- digest), set by an admin; and the weekly digests sent, one per hub per ISO
-- week, so that running the digest job twice sends nothing the second time.

CREATE TABLE hub_contacts (
  hub        text        PRIMARY KEY CHECK (hub ~ '^[a-z0-9-]+$'),   -- the hub's id
  name       text        NOT NULL CHECK (name <> ''),
  email      text        NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text        NOT NULL CHECK (updated_by <> '')
);

CREATE TABLE hub_digests (
  hub        text        NOT NULL,
  iso_week   text        NOT NULL CHECK (iso_week ~ '^\d{4}-W\d{2}$'),
  status     text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
  schools    integer     NOT NULL CHECK (schools >= 0),
  recipient  text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz,
  PRIMARY KEY (hub, iso_week),
  CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
