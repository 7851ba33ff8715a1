"""The web pages: the second adapter over `services/`, beside the JSON API.

`core/` holds what every page stands on (languages and catalogs, the session and CSRF
cookies, forms as the use cases' inputs, rendering and error pages); `routes/` one module per
audience; `templates/`, `static/` and `translations/` beside them.
"""
