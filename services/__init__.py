"""The application's use cases, one function each: file a complaint, each action on a case,
each decision on an enterprise's supervision, each task result, and every query.

The JSON API (`api/`) and the web pages are two thin adapters over these functions. A use
case takes plain typed inputs and the caller's `Principal`, checks the role and the object,
talks to Temporal and the database, and returns view models or raises a `ServiceError`. It
holds no HTTP and no HTML.
"""
