"""What every exercise check shares: the error type and the success message."""


class ExerciseError(AssertionError):
    """A learner's answer is wrong; the message says how, and what was expected."""


def report_ok(what):
    """Print the one-line confirmation every passing check ends with."""
    print(f"Correct: {what}")
