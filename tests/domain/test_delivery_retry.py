"""What is left of a delivery's retries once its first try, made at once, did not go."""

from datetime import timedelta

from domain.delivery import DeliveryRetry

RETRY = DeliveryRetry(
    first_interval=timedelta(seconds=5),
    backoff=2.0,
    max_interval=timedelta(seconds=30),
    max_attempts=10,
    max_age=timedelta(hours=24),
)


def test_the_tries_left_keep_the_schedule_one_try_and_the_time_spent_less() -> None:
    rest = RETRY.after_first_try(timedelta(seconds=5))
    assert rest is not None
    # The second try comes after the first interval; the third after twice that, as before.
    assert (rest.first_interval, rest.max_attempts, rest.max_age) == (
        timedelta(seconds=10),
        9,
        timedelta(hours=24) - timedelta(seconds=5),
    )
    assert (rest.backoff, rest.max_interval, rest.attempt_timeout) == (
        2.0,
        RETRY.max_interval,
        RETRY.attempt_timeout,
    )
    capped = RETRY.model_copy(update={"first_interval": timedelta(seconds=20)}).after_first_try(timedelta(0))
    assert capped is not None and capped.first_interval == timedelta(seconds=30)


def test_nothing_is_left_after_the_last_try_or_the_maximum_age() -> None:
    assert RETRY.model_copy(update={"max_attempts": 1}).after_first_try(timedelta(seconds=5)) is None
    assert RETRY.after_first_try(timedelta(hours=24)) is None
