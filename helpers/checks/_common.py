"""What every exercise check shares: the error type and the success message."""


class ExerciseError(AssertionError):
    """A learner's answer is wrong; the message says how, and what was expected."""


def report_ok(what):
    """Print the one-line confirmation every passing check ends with."""
    print(f"Correct: {what}")


def unanswered(answer, what):
    """True (after saying so) when an exercise cell still holds its placeholder (None or ...).

    what: what the learner should put there, e.g. "your 3x3 array".
    """
    if answer is None or answer is Ellipsis:
        print(f"No answer yet: replace the placeholder with {what}, then run the cell again.")
        return True
    return False
