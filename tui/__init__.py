"""The Textual NOC dashboard (coming with issue 7)."""
