"""What every route stands on: who is asking, errors, the audit log, security headers, the
OpenAPI document, and the codec server for Temporal's tools."""
