"""bench-load's accounting of the earns sent after a change's answer (benchmarks.load.account)."""
from benchmarks.load import Answer, Change, account


def change(name: str, sent: float, answered: float, must_answer: list[int]) -> Change:
    return Change(name, 200, None, 1.0, 0, must_answer, None, sent, answered)


def test_an_earn_still_in_flight_when_the_next_change_is_sent_is_not_counted_against_the_first():
    deactivate, activate = change("deactivate", 1.0, 2.0, [815]), change("activate", 5.0, 6.0, [200])
    answers = [Answer(0, 1.5, 2.5, 200),  # sent before the deactivate answered: not its
               Answer(1, 2.1, 3.0, 400, 815),  # sent after, answered before the activate was sent
               Answer(2, 4.9, 5.5, 200),  # sent after, still in flight when the activate was sent: may see it
               Answer(3, 6.5, 7.0, 200)]  # the activate's
    account([deactivate, activate], answers)
    assert (deactivate.sent_after, deactivate.refused_after, deactivate.against) == (1, {"815": 1}, 0)
    assert (activate.sent_after, activate.succeeded_after, activate.against) == (1, 1, 0)


def test_an_earn_answered_against_the_change_is_counted():
    deactivate = change("deactivate", 1.0, 2.0, [815])
    account([deactivate], [Answer(0, 2.1, 2.4, 200), Answer(1, 2.2, 2.6, 400, 815)])
    assert (deactivate.sent_after, deactivate.succeeded_after, deactivate.against) == (2, 1, 1)
