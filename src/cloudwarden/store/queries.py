"""The SQL that keeps ``finding_state`` and ``status_changes`` in step with each run.

A run's status for a finding id is its worst result in that run (FAIL over
NOT_ASSESSED over PASS), so that a check reporting one resource twice cannot flip
the finding's state back and forth. A finding the previous run of the same kind
reported and this run does not is "gone": its status becomes NULL.
"""

from __future__ import annotations

RUN_COLUMNS = (
    "id, seq, kind, status, started_at, finished_at, recorded_at, accounts, snapshot, finding_count"
)
STATE_COLUMNS = "id, first_seen, last_seen, status, last_change, first_run_id, last_run_id"

CHANGES = """
SELECT c.run_id, c.old, c.new
FROM status_changes c JOIN runs r ON r.id = c.run_id
WHERE c.finding_id = ?
ORDER BY r.seq
"""

_CURRENT = """
CREATE OR REPLACE TEMP TABLE _current AS
SELECT id,
       CASE WHEN bool_or(status = 'FAIL') THEN 'FAIL'
            WHEN bool_or(status = 'NOT_ASSESSED') THEN 'NOT_ASSESSED'
            ELSE 'PASS' END AS status
FROM findings WHERE run_id = $run GROUP BY id
"""

_GONE = """
CREATE OR REPLACE TEMP TABLE _gone AS
SELECT s.id, s.status
FROM finding_state s JOIN runs r ON r.id = s.last_run_id
WHERE s.status IS NOT NULL AND r.kind = $kind AND s.id NOT IN (SELECT id FROM _current)
"""

_LOG_CHANGES = """
INSERT INTO status_changes
SELECT c.id, $run, s.status, c.status, $at
FROM _current c LEFT JOIN finding_state s ON s.id = c.id
WHERE s.status IS DISTINCT FROM c.status
UNION ALL
SELECT g.id, $run, g.status, NULL, $at FROM _gone g
"""

_MARK_GONE = """
UPDATE finding_state SET status = NULL, last_change = $at
WHERE id IN (SELECT id FROM _gone)
"""

_UPSERT = """
INSERT INTO finding_state
SELECT id, $at, $at, status, $at, $run, $run FROM _current
ON CONFLICT (id) DO UPDATE SET
    last_change = CASE WHEN finding_state.status IS DISTINCT FROM excluded.status
                       THEN excluded.last_change ELSE finding_state.last_change END,
    status = excluded.status,
    last_seen = excluded.last_seen,
    last_run_id = excluded.last_run_id
"""

_CLEANUP = "DROP TABLE IF EXISTS _current; DROP TABLE IF EXISTS _gone"

UPDATE_STATE = (_CURRENT, _GONE, _LOG_CHANGES, _MARK_GONE, _UPSERT, _CLEANUP)
