"""SLA engine: timelines, availability, GTR, penalties, reports (coming with issue 6)."""
