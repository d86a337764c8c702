"""What every exercise check shares: the error types, the registry of exercises, the
success message and the one place that handles an unanswered exercise.

Every ``check_*`` function is declared with :func:`exercise`, which

- records it in ``EXERCISES`` (name -> :class:`Exercise`) with a short title and its
  *spoilers*: the values or code fragments that give the answer away (the expected
  number, the expected array, the key line of the reference solution). A test reads
  them and fails when an exercise's prompt in a notebook contains one;
- treats the placeholder (``None`` or ``...``) as "not answered yet", through
  :func:`unanswered`.

Grading mode. With the environment variable ``CNN_COURSE_GRADING=1`` (or inside
``with grading_mode():``), an unanswered exercise raises :class:`UnansweredError` (an
:class:`ExerciseError`) naming the exercise, so an autograder that judges by exceptions
gives it no marks. Without it, the learner gets the friendly "No answer yet: ..." line.
"""

import contextlib
import contextvars
import dataclasses
import functools
import os
import re

GRADING_ENV = "CNN_COURSE_GRADING"


class ExerciseError(AssertionError):
    """A learner's answer is wrong; the message says how, and what was expected."""


class UnansweredError(ExerciseError):
    """Grading mode: an exercise still holds its placeholder; the message names it."""


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One checked exercise: ``name`` is the check's name (``check_flat_index``),
    ``title`` says what the exercise asks in a few words, ``spoilers`` are strings that
    a prompt must never contain, and ``placeholder`` says what replaces the placeholder."""
    name: str
    title: str
    spoilers: tuple
    placeholder: str


EXERCISES = {}
_CURRENT = contextvars.ContextVar("current_exercise", default=None)
_FORCED = contextvars.ContextVar("grading_forced", default=False)


def grading():
    """True in grading mode: CNN_COURSE_GRADING is set to 1/true/yes, or inside grading_mode()."""
    if _FORCED.get():
        return True
    return os.environ.get(GRADING_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@contextlib.contextmanager
def grading_mode():
    """Turn grading mode on inside a ``with`` block (the autograder's test cells use it)."""
    token = _FORCED.set(True)
    try:
        yield
    finally:
        _FORCED.reset(token)


def report_ok(what):
    """Print the one-line confirmation every passing check ends with."""
    print(f"Correct: {what}")


def is_placeholder(answer):
    """An exercise cell's placeholder: None or ... (Ellipsis)."""
    return answer is None or answer is Ellipsis


def unanswered(answer, what=None):
    """True (after saying so) when ``answer`` is still a placeholder (None or ...).

    Call it on the answer itself, and on what a learner's function returned (a function
    whose body is still ``...`` or ``return None`` returns None). what: what the learner
    should put there, e.g. "your 3x3 array"; default: the exercise's placeholder text.
    Outside grading mode it prints "No answer yet: ..." and returns True; in grading mode
    it raises UnansweredError naming the exercise.
    """
    if not is_placeholder(answer):
        return False
    spec = _CURRENT.get()
    what = what or (spec.placeholder if spec else "your answer")
    if grading():
        name = f"{spec.name} ({spec.title})" if spec else "this exercise"
        raise UnansweredError(f"Unanswered exercise {name}: the placeholder was not replaced "
                              f"with {what}.")
    print(f"No answer yet: replace the placeholder with {what}, then run the cell again.")
    return True


def returned_nothing(result, what):
    """unanswered() for the value a learner's function returned: None means its body is
    still the placeholder (or lacks its return statement)."""
    return unanswered(result, f"{what} (your function returned None: write its body and "
                              f"its return statement)")


def exercise(title, *, spoilers, placeholder):
    """Declare a check: register it in EXERCISES and handle the placeholder answer.

    title: what the exercise asks, in a few words (named in grading mode's error).
    spoilers: strings that would give the answer away in a prompt (numbers, arrays as
    printed, key code); compared ignoring case, spaces, ``$``, ``*`` and backslashes.
    An empty tuple is allowed when the answer cannot be written down (it depends on data).
    placeholder: what the learner puts in place of the placeholder ("your 3x3 array").
    """
    spoilers = tuple(spoilers)
    if not all(isinstance(s, str) and s.strip() for s in spoilers):
        raise TypeError(f"spoilers must be non-empty strings, got {spoilers!r}")

    def decorate(check):
        spec = Exercise(check.__name__, title, spoilers, placeholder)
        if spec.name in EXERCISES:
            raise ValueError(f"two checks are called {spec.name}")

        @functools.wraps(check)
        def wrapper(answer, *args, **kwargs):
            token = _CURRENT.set(spec)
            try:
                if unanswered(answer):
                    return None
                return check(answer, *args, **kwargs)
            finally:
                _CURRENT.reset(token)

        wrapper.exercise = spec
        EXERCISES[spec.name] = spec
        return wrapper

    return decorate


def _normalize(text):
    """Text as spoilers are compared: lower case, without spaces, $, *, backslashes, and
    with 14.0 / 14. written 14."""
    text = re.sub(r"[\s$*\\]", "", str(text).lower())
    return re.sub(r"(\d)\.0*(?!\d)", r"\1", text)


def find_spoilers(text, spoilers):
    """The spoilers (strings) that occur in text, compared as _normalize does; a spoiler
    that is a plain number must stand alone (1279 is not found in 12790 or 1.1279)."""
    norm = _normalize(text)
    found = []
    for spoiler in spoilers:
        s = _normalize(spoiler)
        if re.fullmatch(r"[\d_,]+", s):
            # not part of a longer number (1279 in 12790, 3.1279 or 1,279,000)
            pattern = r"(?<![\d._])" + re.escape(s) + r"(?![\d_]|\.\d|,\d{3}(?!\d))"
            hit = re.search(pattern, norm)
        else:
            hit = s in norm
        if hit:
            found.append(spoiler)
    return found
