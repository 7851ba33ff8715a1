"""Options every workflow here gives its activities."""

from datetime import timedelta

from temporalio.common import RetryPolicy

# Activities are idempotent: they retry until they succeed, at most a minute apart.
ACTIVITY_OPTIONS = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1)),
}
