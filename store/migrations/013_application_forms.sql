-- The application form behind each APPLY event, as submitted (after
-- validation), so that hub staff assessing eligibility can see what the school
-- claimed and auditors can read the form. The event log stays the record of
-- what happened; this is a copy of the paperwork.

CREATE TABLE application_forms (
  urn          text        NOT NULL CHECK (urn <> ''),
  programme_id text        NOT NULL,
  kind         text        NOT NULL,
  form         jsonb       NOT NULL,
  submitted_on date        NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  recorded_by  text        NOT NULL,
  PRIMARY KEY (urn, programme_id)
);
