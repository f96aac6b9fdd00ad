"""The local server's log: a client that closes early is one line, not a traceback; other errors keep theirs."""
import json

import pytest

from local_api.server import _Handler, _Server


@pytest.fixture
def server():
    made = _Server(("127.0.0.1", 0), _Handler, bind_and_activate=False)  # never bound: no socket is used
    yield made
    made.server_close()


@pytest.mark.parametrize("closed", [BrokenPipeError, ConnectionResetError, ConnectionAbortedError])
def test_a_client_gone_before_its_answer_is_one_line(server, capsys, closed):
    try:
        raise closed(32, "gone")
    except closed:
        server.handle_error(None, ("10.0.0.7", 50123))
    lines = capsys.readouterr().err.splitlines()
    assert [json.loads(line) for line in lines] == [{
        "closed": f"the client closed the connection early ({closed.__name__})", "client": "10.0.0.7"}]


def test_any_other_error_keeps_its_traceback(server, capsys):
    try:
        raise ValueError("a bug")
    except ValueError:
        server.handle_error(None, ("10.0.0.7", 50123))
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: a bug" in err
