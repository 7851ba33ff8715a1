"""A complaint: its messages, its state, the rules of what may happen next, and the process
that applies them."""
