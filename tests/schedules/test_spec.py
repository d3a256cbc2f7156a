"""The spec language: calls with positional and keyword arguments, nesting, ``number * spec``,
lists; anything else is a ScheduleError, raised before anything is evaluated."""

import builtins

import pytest

from lrlab.schedules import Cosine, Join, Linear, Scale, ScheduleError, parse


def test_positional_and_keyword_arguments_agree():
    keywords = parse("cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)")
    assert parse("cosine(20, 0.3, 0.01, 5)") == keywords
    assert parse("cosine(20, 0.3, warmup_steps=5, final_lr=0.01)") == keywords
    assert keywords == Cosine(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)


def test_ints_and_floats_are_coerced_once():
    assert parse("cosine(20.0, 1)") == parse("cosine(20, 1.0)")
    assert repr(parse("cosine(20.0, 1)")) == "cosine(max_update=20, base_lr=1.0)"


def test_whitespace_and_newlines():
    assert parse("  cosine(\n  20,\n  0.3,\n)  ") == parse("cosine(20, 0.3)")


def test_nested_combinators():
    s = parse("join([warmup(cosine(15, 0.3), steps=5), 0.5 * stretch(constant(0.1), by=3)], boundaries=[20])")
    assert s.schedules[0].schedule == Cosine(15, 0.3)
    assert s.schedules[1] == Scale(parse("stretch(constant(0.1), 3)"), 0.5)
    assert parse(repr(s)) == s


@pytest.mark.parametrize("spec", ["0.5 * cosine(20, 0.3)", "cosine(20, 0.3) * 0.5", "2 * (0.25 * cosine(20, 0.3))"])
def test_number_times_spec(spec):
    s = parse(spec)
    assert isinstance(s, Scale) and s(0) == pytest.approx(0.15)


def test_lists_and_tuples():
    assert parse("join((linear(0, 1, 2), constant(1)), (2,))") == Join([Linear(0, 1, 2), parse("constant(1)")], [2])
    assert parse("piecewise([1, 0.5], [10])").values == (1.0, 0.5)
    assert parse("multifactor(0.5, steps=[15, 30], factor=0.5)").steps == (15, 30)


def test_strings_booleans_and_none():
    s = parse("onecycle(100, 1.0, anneal='linear', three_phase=True)")
    assert s.anneal == "linear" and s.three_phase is True
    assert parse("cyclic(0.1, 1.0, 5, None)") == parse("cyclic(0.1, 1.0, 5)")


def test_a_schedule_passes_through():
    s = Cosine(20, 0.3)
    assert parse(s) is s


MALFORMED = [
    "", "   ", "cosine(", "cosine(20, 0.3", "cosine(20,, 0.3)", "cosine(20 0.3)", "cosine(20, 0.3))",
    "cosine", "0.3", "[cosine(20, 0.3)]", "'cosine(20, 0.3)'", "None",
    "cosine(max_update=20, max_update=30, base_lr=0.3)",  # keyword repeated
    "cosine(max_update=20, 0.3)",  # positional after keyword
    "os.system('echo hacked')",
    "cosine(os.system('echo hacked'), 0.3)",
    "cosine(20, base_lr=os.environ)",
    "__import__('os').system('echo hacked')",
    "__import__('os')",
    "eval('1')",
    "exec('import os')",
    "open('/etc/passwd')",
    "(lambda: 0.3)()",
    "cosine(lambda t: 20, 0.3)",
    "cosine(20, 0.3)[0]",
    "cosine([20][0], 0.3)",
    "cosine(*[20, 0.3])",
    "cosine(**{'max_update': 20, 'base_lr': 0.3})",
    "cosine(20, 0.3).value",
    "cosine(20, 0.3) + constant(0.1)",
    "cosine(20, 0.3) * constant(0.1)",
    "2 * 3",
    "2 * 0.25 * cosine(20, 0.3)",  # the grammar is number * spec: (2 * 0.25) is not a spec
    "-cosine(20, 0.3)",
    "cosine(20, 0.3) if True else None",
    "cosine(20, x)",
    "cosine(20, 0.1 + 0.2)",
    "cosine(20, 3e-1 ** 2)",
    "cosine(20, f'{0.3}')",
    "[x for x in ()]",
    "cosine(max_update=(yield), base_lr=0.3)",
    "cosine(20, (x := 0.3))",
    "cosine(20, 0.3); import os",
    "import os",
    "cosine(20, 0.3)\ncosine(20, 0.3)",
    "await cosine(20, 0.3)",
    "cosine(20, {0.3})",
    "cosine(20, {'a': 0.3})",
    "nosuch(1)",
    "Cosine(20, 0.3)",
    "cosine(20, 0.3, colour=1)",
    "cosine(1, 2, 3, 4, 5, 6, 7)",
    "cosine(20)",
    "cosine(20, 0.3, max_update=20)",
    "cosine(20, -0.3)",
    "[" * 300 + "]" * 300,
    "constant(" * 150 + "0.3" + ")" * 150,
]


@pytest.mark.parametrize("spec", MALFORMED)
def test_malformed_specs_raise_schedule_error(spec):
    with pytest.raises(ScheduleError):
        parse(spec)


PROBED = [
    "probe()",
    "cosine(probe(), 0.3)",
    "cosine(20, base_lr=probe())",
    "join([constant(probe()), constant(0.1)], [5])",
    "probe() * cosine(20, 0.3)",
    "cosine(20, probe)",
    "cosine(20, 0.3)[probe()]",
    "(lambda: probe())()",
    "cosine(*probe())",
    "cosine(**probe())",
    "probe().attribute",
    "[probe() for _ in 'x']",
    "cosine(20, 0.3) if probe() else None",
    "eval('probe()')",
    "exec('probe()')",
    "__import__('os')",
]


@pytest.mark.parametrize("spec", PROBED)
def test_nothing_in_a_spec_is_evaluated(spec, monkeypatch):
    calls = []

    def spy(*args, **kwargs):
        calls.append(args)
        return 0.3

    monkeypatch.setattr(builtins, "probe", spy, raising=False)
    for name in ("eval", "exec", "__import__"):
        monkeypatch.setattr(builtins, name, spy)
    try:
        with pytest.raises(ScheduleError):
            parse(spec)
    finally:
        monkeypatch.undo()  # before pytest reports anything (it imports)
    assert calls == []


@pytest.mark.parametrize("value", [None, 0.3, b"cosine(20, 0.3)", ["cosine(20, 0.3)"], {"name": "cosine"}])
def test_non_strings_raise_schedule_error(value):
    with pytest.raises(ScheduleError):
        parse(value)


def test_errors_say_where():
    with pytest.raises(ScheduleError, match=r"'os\.system' is not a schedule name"):
        parse("  os.system('echo hacked')")
    with pytest.raises(ScheduleError, match=r"'lambda: 0\.3' is not a number"):
        parse("constant(lambda: 0.3)")
    with pytest.raises(ScheduleError, match=r"\* and \*\* are not allowed"):
        parse("cosine(*[20, 0.3])")
    with pytest.raises(ScheduleError, match=r"did you mean cosine"):
        parse("cosin(20, 0.3)")
    with pytest.raises(ScheduleError, match=r"cosine: unknown argument 'base_rate'; did you mean 'base_lr'"):
        parse("cosine(20, base_rate=0.3)")
    with pytest.raises(ScheduleError, match=r"cosine: argument 'base_lr' given twice"):
        parse("cosine(20, base_lr=0.3, base_lr=0.4)")
