"""What the pages stand on: languages, sessions and CSRF, forms, rendering."""
