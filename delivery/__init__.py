"""The channels notifications go out by, and the messages they carry: no workflow, no database."""
