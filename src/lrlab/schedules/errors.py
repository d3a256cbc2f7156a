"""The one error type of lrlab.schedules."""


class ScheduleError(ValueError):
    """A schedule could not be built, parsed or evaluated.

    The message always names the schedule, the argument, the value given and what
    is allowed, e.g. ``cosine: warmup_steps=30 is invalid: must be <= max_update (20)``.
    """
