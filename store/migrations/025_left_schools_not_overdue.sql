-- A school that has withdrawn or deferred is no longer overdue for attendance
-- never recorded (machines/summary.ts attendanceToChase). A summary is written
-- when an event is decided, so a school that left before this rule keeps
-- overdue = true in its stored summary (the board's "Overdue and why" and
-- Overdue column, the weekly digest) until its next event, which may never
-- come: this puts that cached summary right once. Nothing else in it is
-- derived differently, and a withdrawn or deferred school's status is never
-- 'overdue' (an evaluation overdue is a state inside the phase), so false is
-- what its summary says now.
UPDATE streams
   SET overdue = false,
       summary = jsonb_set(summary, '{overdue}', 'false'::jsonb)
 WHERE status IN ('withdrawn', 'deferred') AND overdue;
