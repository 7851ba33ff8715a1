"""The JSON API's routes, one module per resource: each parses the request, calls its use
case in `services/`, and shapes the answer."""
